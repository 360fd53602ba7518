import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Endpoints as EndpointsObject, Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type ApiObject, EndpointSlices, Endpoints, Services } from "../../api/index.ts"
import { until } from "../../testing/index.ts"
import { type LifecycleEnv, startLifecycleEnv } from "../lifecycle-env.case.ts"
import { endpointSliceMirroringController, MAX_ENDPOINTS_PER_SUBSET, mirroredSlices } from "./mirroring.ts"

type Eps = EndpointsObject & ApiObject
type Slice = EndpointSlice & ApiObject

describe("mirroredSlices", () => {
  test("one slice per address type and ports; subsets with the same ports share one", () => {
    const slices = mirroredSlices({
      subsets: [
        {
          addresses: [{ ip: "10.0.0.1", hostname: "a", nodeName: "n1" }, { ip: "fd00::0:1" }],
          notReadyAddresses: [{ ip: "10.0.0.2", targetRef: { kind: "Pod", name: "p", namespace: "ns" } }],
          ports: [{ name: "db", port: 5432, protocol: "TCP" }],
        },
        { addresses: [{ ip: "10.0.0.3" }, { ip: "010.000.000.004" }], ports: [{ name: "db", port: 5432 }] },
        {
          addresses: [{ ip: "10.0.0.1" }, { ip: "not-an-ip" }],
          ports: [{ port: 53, protocol: "UDP", appProtocol: "dns" }],
        },
      ],
    })
    assert.deepEqual(slices, [
      {
        addressType: "IPv4",
        ports: [{ name: "db", port: 5432, protocol: "TCP" }],
        endpoints: [
          { addresses: ["10.0.0.1"], conditions: { ready: true }, hostname: "a", nodeName: "n1" },
          {
            addresses: ["10.0.0.2"],
            conditions: { ready: false },
            targetRef: { kind: "Pod", name: "p", namespace: "ns" },
          },
          { addresses: ["10.0.0.3"], conditions: { ready: true } },
          { addresses: ["10.0.0.4"], conditions: { ready: true } },
        ],
      },
      {
        addressType: "IPv6",
        ports: [{ name: "db", port: 5432, protocol: "TCP" }],
        endpoints: [{ addresses: ["fd00::1"], conditions: { ready: true } }],
      },
      {
        addressType: "IPv4",
        ports: [{ name: "", port: 53, protocol: "UDP", appProtocol: "dns" }],
        endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready: true } }],
      },
    ])
  })

  test("an address is mirrored once, and a subset's addresses at most the maximum", () => {
    const many = Array.from({ length: MAX_ENDPOINTS_PER_SUBSET + 5 }, (_, i) => ({
      ip: `10.1.${i >> 8}.${i & 255}`,
    }))
    const [slice] = mirroredSlices({
      subsets: [
        { addresses: [{ ip: "10.9.9.9" }, ...many], notReadyAddresses: [{ ip: "10.9.9.9" }], ports: [] },
      ],
    })
    assert.equal(slice?.endpoints.length, MAX_ENDPOINTS_PER_SUBSET)
    assert.equal(slice?.endpoints.filter((e) => e.addresses[0] === "10.9.9.9").length, 1)
    assert.deepEqual(mirroredSlices({ subsets: [] }), [])
  })
})

let t: LifecycleEnv
before(async () => {
  t = await startLifecycleEnv([endpointSliceMirroringController()])
})
after(() => t.stop())

describe("the EndpointSlice mirroring controller", () => {
  const svcs = () => t.client.resource<Service & ApiObject>(Services)
  const eps = () => t.client.resource<Eps>(Endpoints)
  const slicesOf = async (name: string) =>
    (
      await t.client
        .resource<Slice>(EndpointSlices)
        .list({ namespace: "default", labelSelector: `kubernetes.io/service-name=${name}` })
    ).items
  const endpoints = (name: string, ips: string[], extra: Partial<EndpointsObject["metadata"]> = {}): Eps => ({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name, namespace: "default", ...extra },
    subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: "db", port: 5432, protocol: "TCP" }] }],
  })

  test("a Service without a selector gets slices mirroring its Endpoints, and follows them", async () => {
    await svcs().create({ metadata: { name: "db", namespace: "default" }, spec: { ports: [{ port: 5432 }] } })
    const written = await eps().create(
      endpoints("db", ["10.0.0.1"], {
        labels: { team: "data" },
        annotations: { note: "external", "endpoints.kubernetes.io/last-change-trigger-time": "x" },
      }),
    )
    const [slice] = await until("a mirrored slice", async () => {
      const s = await slicesOf("db")
      return s.length === 1 && s
    })
    assert.deepEqual(slice?.endpoints, [{ addresses: ["10.0.0.1"], conditions: { ready: true } }])
    assert.deepEqual(slice?.ports, [{ name: "db", port: 5432, protocol: "TCP" }])
    assert.deepEqual(slice?.metadata?.labels, {
      team: "data",
      "kubernetes.io/service-name": "db",
      "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
    })
    assert.deepEqual(slice?.metadata?.annotations, { note: "external" })
    assert.deepEqual(slice?.metadata?.ownerReferences, [
      {
        apiVersion: "v1",
        kind: "Endpoints",
        name: "db",
        uid: written.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ])

    await eps().update({
      ...(await eps().get({ namespace: "default", name: "db" })),
      subsets: endpoints("db", ["10.0.0.2", "10.0.0.3"]).subsets,
    })
    await until("the slice updated", async () => {
      const [s] = await slicesOf("db")
      return s?.endpoints?.map((e) => e.addresses[0]).join() === "10.0.0.2,10.0.0.3"
    })
    // Once in step it stays as it is: no write for writes of its own.
    const rv = (await slicesOf("db"))[0]?.metadata?.resourceVersion
    await new Promise((r) => setTimeout(r, 100))
    assert.equal((await slicesOf("db"))[0]?.metadata?.resourceVersion, rv)

    await eps().delete({ namespace: "default", name: "db" })
    await until("the slices gone with the Endpoints", async () => (await slicesOf("db")).length === 0)
  })

  test("nothing is mirrored for a Service with a selector, without a Service, or when told to skip", async () => {
    await svcs().create({
      metadata: { name: "web", namespace: "default" },
      spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
    })
    await eps().create(endpoints("web", ["10.0.1.1"]))
    await eps().create(endpoints("lone", ["10.0.1.2"]))
    await svcs().create({ metadata: { name: "skip", namespace: "default" }, spec: { ports: [{ port: 80 }] } })
    await eps().create(
      endpoints("skip", ["10.0.1.3"], { labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } }),
    )
    // A Service the controller mirrors, written last: once its slice exists, it has seen the rest.
    await svcs().create({ metadata: { name: "last", namespace: "default" }, spec: { ports: [{ port: 80 }] } })
    await eps().create(endpoints("last", ["10.0.1.4"]))
    await until("the slice of last", async () => (await slicesOf("last")).length === 1)
    for (const name of ["web", "lone", "skip"]) assert.deepEqual(await slicesOf(name), [], name)

    // The Service arrives for lone: its Endpoints are mirrored then; a selector added removes them.
    await svcs().create({ metadata: { name: "lone", namespace: "default" }, spec: { ports: [{ port: 80 }] } })
    await until("the slice of lone", async () => (await slicesOf("lone")).length === 1)
    const lone = await svcs().get({ namespace: "default", name: "lone" })
    await svcs().update({ ...lone, spec: { ...lone.spec, selector: { app: "lone" } } })
    await until("the slice of lone removed", async () => (await slicesOf("lone")).length === 0)
  })
})

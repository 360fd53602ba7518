import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod, Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type ApiObject, EndpointSlices, Endpoints, Pods, Services } from "../../api/index.ts"
import { runController, SharedInformers } from "../../client/index.ts"
import { type ClientEnv, startClientEnv } from "../../testing/index.ts"
import { FakeClock, silentLogger } from "../../util/index.ts"
import { endpointsController } from "../endpoints/endpoints.ts"
import { desiredSlices, endpointSliceController } from "./endpointslice.ts"

let env: ClientEnv
const stop = new AbortController()
let running: Promise<unknown>

before(async () => {
  env = await startClientEnv({ clock: new FakeClock(Date.parse("2026-01-01T00:00:00Z")) })
  const informers = new SharedInformers(env.inProcess, { log: silentLogger() })
  const deps = { client: env.inProcess, informers, clock: new FakeClock(0), log: silentLogger() }
  running = Promise.all([
    informers.run(stop.signal),
    runController(endpointSliceController(), deps, stop.signal),
    runController(endpointsController(), deps, stop.signal),
  ])
})
after(async () => {
  stop.abort()
  await running
  await env.stop()
})

function pod(name: string, ip: string, ready: boolean, labels = { app: "web" }): Pod {
  return {
    metadata: { name, namespace: "default", uid: `uid-${name}`, labels },
    spec: {
      nodeName: "n1",
      containers: [{ name: "c", image: "x", ports: [{ name: "http", containerPort: 8080 }] }],
    },
    status: {
      phase: "Running",
      podIP: ip,
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  }
}

const svc: Service = {
  metadata: { name: "web", namespace: "default", uid: "svc-uid" },
  spec: {
    selector: { app: "web" },
    ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
  },
}

describe("desiredSlices", () => {
  test("resolves named ports, marks unready pods, and cuts at the maximum", () => {
    const pods = [
      pod("a", "10.0.0.1", true),
      pod("b", "10.0.0.2", false),
      pod("c", "10.0.0.3", true),
      pod("x", "10.0.0.9", true, { app: "db" } as never),
    ]
    const slices = desiredSlices(svc, pods, 2)
    assert.equal(slices.length, 2)
    assert.deepEqual(slices[0]?.ports, [{ name: "http", port: 8080, protocol: "TCP" }])
    assert.deepEqual(
      slices[0]?.endpoints?.map((e) => [e.addresses[0], e.conditions?.ready]),
      [
        ["10.0.0.1", true],
        ["10.0.0.2", false],
      ],
    )
    assert.deepEqual(
      slices[1]?.endpoints?.map((e) => e.addresses[0]),
      ["10.0.0.3"],
    )
  })

  test("publishNotReadyAddresses makes every endpoint ready; terminating ones are not", () => {
    const terminating = pod("t", "10.0.0.4", true)
    terminating.metadata = { ...terminating.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" }
    const s = desiredSlices({ ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } }, [
      pod("b", "10.0.0.2", false),
      terminating,
    ])
    assert.deepEqual(
      s[0]?.endpoints?.map((e) => e.conditions),
      [
        { ready: true, serving: false, terminating: false },
        { ready: false, serving: true, terminating: true },
      ],
    )
  })
})

describe("the endpoint controllers", () => {
  test("slices and endpoints follow pods being added, becoming ready and deleted", async () => {
    const pods = env.inProcess.resource(Pods)
    await env.inProcess.resource(Services).create(svc as Service & ApiObject)
    const a = await pods.create({ ...pod("a", "", true), status: undefined } as Pod & ApiObject)
    await pods.patch(
      { namespace: "default", name: "a" },
      { status: pod("a", "127.0.0.5", false).status },
      { type: "merge", subresource: "status" },
    )
    const slicesOf = async () =>
      (
        await env.inProcess
          .resource(EndpointSlices)
          .list({ namespace: "default", labelSelector: "kubernetes.io/service-name=web" })
      ).items as (EndpointSlice & ApiObject)[]
    const until = async (what: string, cond: () => Promise<boolean>) => {
      for (let i = 0; i < 200; i++) {
        if (await cond()) return
        await new Promise((r) => setTimeout(r, 10))
      }
      assert.fail(`timed out waiting for ${what}`)
    }
    await until(
      "an unready endpoint",
      async () => (await slicesOf())[0]?.endpoints?.[0]?.conditions?.ready === false,
    )
    const slice = (await slicesOf())[0]
    assert.equal(slice?.metadata?.ownerReferences?.[0]?.kind, "Service")
    assert.equal(
      slice?.metadata?.labels?.["endpointslice.kubernetes.io/managed-by"],
      "endpointslice-controller.k8s.io",
    )
    assert.equal(slice?.endpoints?.[0]?.targetRef?.uid, a.metadata?.uid)
    const eps = () => env.inProcess.resource(Endpoints).get({ namespace: "default", name: "web" })
    await until(
      "a not-ready address",
      async () =>
        (await eps().catch(() => undefined))?.subsets?.[0]?.notReadyAddresses?.[0]?.ip === "127.0.0.5",
    )

    await pods.patch(
      { namespace: "default", name: "a" },
      { status: pod("a", "127.0.0.5", true).status },
      { type: "merge", subresource: "status" },
    )
    await until(
      "a ready endpoint",
      async () => (await slicesOf())[0]?.endpoints?.[0]?.conditions?.ready === true,
    )
    await until("a ready address", async () => (await eps()).subsets?.[0]?.addresses?.[0]?.ip === "127.0.0.5")
    assert.deepEqual((await eps()).subsets?.[0]?.ports, [{ name: "http", port: 8080, protocol: "TCP" }])

    await pods.delete({ namespace: "default", name: "a" }, { gracePeriodSeconds: 0 })
    await until("no endpoints", async () => ((await slicesOf())[0]?.endpoints ?? []).length === 0)
    await until("no addresses", async () => ((await eps()).subsets ?? []).length === 0)
  })
})

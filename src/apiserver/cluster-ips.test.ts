import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock, parseCidr } from "../util/index.ts"
import { apiCall } from "../testing/index.ts"
import { createApiServer, type ApiServer } from "./server.ts"

// A /29: six usable addresses and no static band, so every address can be accounted for
const CIDR = "10.96.0.0/29"
const SVCS = "/api/v1/namespaces/default/services"
const IPS = "/apis/networking.k8s.io/v1/ipaddresses"
const CIDRS = "/apis/networking.k8s.io/v1/servicecidrs"

let api: ApiServer
const ac = new AbortController()

before(async () => {
  api = createApiServer({ store: new MemoryStore(), clock: new FakeClock(), serviceCidr: parseCidr(CIDR) })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

const call = (method: string, path: string, body?: unknown) => apiCall(api, method, path, body)
const svc = (name: string, spec: Record<string, unknown> = {}) =>
  call("POST", SVCS, { metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } })
const reserve = (ip: string, name = "holder") =>
  call("POST", IPS, {
    metadata: { name: ip },
    spec: {
      parentRef: { group: "gateway.networking.k8s.io", resource: "gateways", namespace: "default", name },
    },
  })

describe("ClusterIPs as IPAddress objects", () => {
  test("the API server makes the default ServiceCIDR from its range, Ready", async () => {
    const res = await call("GET", `${CIDRS}/kubernetes`)
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(res.json.spec, { cidrs: [CIDR] })
    const ready = res.json.status.conditions.find((c: { type: string }) => c.type === "Ready")
    assert.equal(ready.status, "True")
    assert.equal(ready.message, "Kubernetes default Service CIDR is ready")
  })

  test("a Service's ClusterIP is an IPAddress named by it, pointing at the Service, gone with it", async () => {
    const made = await svc("web")
    assert.equal(made.status, 201, made.text)
    const ip = made.json.spec.clusterIP as string
    const obj = await call("GET", `${IPS}/${ip}`)
    assert.equal(obj.status, 200, obj.text)
    assert.deepEqual(obj.json.metadata.labels, {
      "ipaddress.kubernetes.io/ip-family": "IPv4",
      "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io",
    })
    assert.deepEqual(obj.json.spec.parentRef, { resource: "services", namespace: "default", name: "web" })
    assert.equal((await call("DELETE", `${SVCS}/web`)).status, 200)
    assert.equal((await call("GET", `${IPS}/${ip}`)).status, 404)
  })

  test("an IPAddress a user made reserves its address: asked for, it is already allocated", async () => {
    assert.equal((await reserve("10.96.0.3")).status, 201)
    const res = await svc("wants3", { clusterIP: "10.96.0.3" })
    assert.equal(res.status, 422)
    assert.equal(
      res.json.message,
      'Service "wants3" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.3"]: failed to allocate IP 10.96.0.3: provided IP is already allocated',
    )
    assert.equal(
      (await call("GET", `${IPS}/10.96.0.3`)).json.spec.parentRef.resource,
      "gateways",
      "left as it was",
    )
  })

  test("free addresses skip reserved ones until the range is full", async () => {
    for (const ip of ["10.96.0.1", "10.96.0.2", "10.96.0.4", "10.96.0.5"]) {
      assert.equal((await reserve(ip, `gw-${ip}`)).status, 201, ip)
    }
    const last = await svc("last")
    assert.equal(last.status, 201, last.text)
    assert.equal(last.json.spec.clusterIP, "10.96.0.6", "the only address left")
    const full = await svc("none-left")
    assert.equal(full.status, 500)
    assert.equal(full.json.message, "Internal error occurred: failed to allocate a serviceIP: range is full")
    // The reservations go; the addresses are free again
    for (const ip of ["10.96.0.1", "10.96.0.2", "10.96.0.3", "10.96.0.4", "10.96.0.5"]) {
      assert.equal((await call("DELETE", `${IPS}/${ip}`)).status, 200, ip)
    }
    assert.equal((await svc("after")).status, 201)
  })

  test("a deleted ServiceCIDR held by a finalizer gives no more addresses; another one does", async () => {
    const extra = await call("POST", CIDRS, {
      metadata: { name: "extra", finalizers: ["networking.k8s.io/service-cidr-finalizer"] },
      spec: { cidrs: ["10.96.0.0/30"] },
    })
    assert.equal(extra.status, 201, extra.text)
    const cur = (await call("GET", `${CIDRS}/kubernetes`)).json
    const held = await call("PUT", `${CIDRS}/kubernetes`, {
      ...cur,
      metadata: { ...cur.metadata, finalizers: ["networking.k8s.io/service-cidr-finalizer"] },
    })
    assert.equal(held.status, 200, held.text)
    assert.equal((await call("DELETE", `${CIDRS}/kubernetes`)).status, 200)
    // Only 10.96.0.1 and 10.96.0.2 (the extra /30) can be given now
    const a = await svc("from-extra", { clusterIP: "10.96.0.5" })
    assert.equal(a.status, 422)
    assert.match(
      a.json.message,
      /failed to allocate IP 10.96.0.5: the provided network does not match the current range/,
    )
    const b = await svc("from-extra")
    assert.equal(b.status, 201, b.text)
    assert.ok(["10.96.0.1", "10.96.0.2"].includes(b.json.spec.clusterIP), b.json.spec.clusterIP)
    // Let both go: the default one comes back at the next pass of its reconciler
    for (const name of ["kubernetes", "extra"]) {
      const o = (await call("GET", `${CIDRS}/${name}`)).json
      await call("PUT", `${CIDRS}/${name}`, { ...o, metadata: { ...o.metadata, finalizers: [] } })
    }
    assert.equal((await call("GET", `${CIDRS}/kubernetes`)).status, 404)
  })

  test("a ServiceCIDR outside the server's range is accepted but gives no addresses", async () => {
    const far = await call("POST", CIDRS, { metadata: { name: "far" }, spec: { cidrs: ["10.200.0.0/24"] } })
    assert.equal(far.status, 201, far.text)
    const res = await svc("far-away", { clusterIP: "10.200.0.10" })
    assert.equal(res.status, 422)
    assert.match(res.json.message, /the provided network does not match the current range/)
  })

  test("an IPAddress made from generateName is named by it as it is (upstream's strategy adds nothing)", async () => {
    const res = await call("POST", IPS, {
      metadata: { generateName: "10.96.0.7" },
      spec: { parentRef: { resource: "gateways", name: "gw" } },
    })
    assert.equal(res.status, 201, res.text)
    assert.equal(res.json.metadata.name, "10.96.0.7")
  })
})

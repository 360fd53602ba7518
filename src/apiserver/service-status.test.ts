import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { FakeClock } from "../util/index.ts"
import type { ApiServer } from "./server.ts"
import { apiCall, memoryApiServer } from "../testing/index.ts"

// A Service's status writes are defaulted as any body upstream decodes: a load balancer's
// ingress IP without an ipMode is a VIP, so a controller that writes only the IP is accepted.

const MERGE = { "content-type": "application/merge-patch+json" }

describe("Service status writes", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a), { clock: new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0)) })

  test("a LoadBalancer's status write gets the VIP ipMode its ingress IP left out", async () => {
    const svc = { metadata: { name: "lb" }, spec: { type: "LoadBalancer", ports: [{ port: 80 }] } }
    const c = await apiCall(api, "POST", "/api/v1/namespaces/default/services", svc)
    assert.equal(c.status, 201, c.text)
    const status = { status: { loadBalancer: { ingress: [{ ip: "192.0.2.1" }] } } }
    const res = await apiCall(api, "PATCH", "/api/v1/namespaces/default/services/lb/status", status, MERGE)
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(res.json.status.loadBalancer.ingress, [{ ip: "192.0.2.1", ipMode: "VIP" }])
  })

  test("a ClusterIP service's status may not name load balancer ingress", async () => {
    const svc = { metadata: { name: "plain" }, spec: { ports: [{ port: 80 }] } }
    const c = await apiCall(api, "POST", "/api/v1/namespaces/default/services", svc)
    assert.equal(c.status, 201, c.text)
    const status = { status: { loadBalancer: { ingress: [{ ip: "192.0.2.1" }] } } }
    const res = await apiCall(api, "PATCH", "/api/v1/namespaces/default/services/plain/status", status, MERGE)
    assert.equal(res.status, 422, res.text)
    assert.equal(
      res.json.message,
      "Service \"plain\" is invalid: status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'",
    )
  })
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { LoadBalancerIngress, Service } from "kubernetes-types/core/v1.js"
import type { ApiObject } from "../meta.ts"
import { printed } from "./_fixtures.ts"
import { validateObject } from "./index.ts"

const SERVICE = { group: "", kind: "Service", namespaced: true }

function service(type: string, ingress: LoadBalancerIngress[]): Service & ApiObject {
  return {
    metadata: { name: "s", namespace: "default", resourceVersion: "1" },
    spec: { type, ports: [{ port: 80, protocol: "TCP", targetPort: 80 }] },
    status: { loadBalancer: { ingress } },
  }
}

function statusWrite(type: string, ingress: LoadBalancerIngress[]): string[] {
  const old = service(type, [])
  return printed(validateObject(SERVICE, service(type, ingress), old, "status"))
}

const cases: { name: string; type: string; ingress: LoadBalancerIngress[]; want: string[] }[] = [
  {
    name: "a LoadBalancer's VIP and hostname",
    type: "LoadBalancer",
    ingress: [{ ip: "192.0.2.1", ipMode: "VIP" }, { hostname: "lb.example.com" }],
    want: [],
  },
  {
    name: "ingress on a service that is not a LoadBalancer",
    type: "ClusterIP",
    ingress: [{ ip: "192.0.2.1", ipMode: "VIP" }],
    want: ["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"],
  },
  {
    name: "ipMode: unknown, missing for an IP, or without one",
    type: "LoadBalancer",
    ingress: [
      { ip: "192.0.2.1", ipMode: "Bogus" },
      { ip: "192.0.2.2" },
      { hostname: "lb.example.com", ipMode: "VIP" },
    ],
    want: [
      'status.loadBalancer.ingress[0].ipMode: Unsupported value: "Bogus": supported values: "Proxy", "VIP"',
      "status.loadBalancer.ingress[1].ipMode: Required value: must be specified when `ip` is set",
      "status.loadBalancer.ingress[2].ipMode: Forbidden: may not be specified when `ip` is not set",
    ],
  },
  {
    name: "a hostname that is an IP, and an IP that is not one",
    type: "LoadBalancer",
    ingress: [{ hostname: "192.0.2.1" }, { ip: "300.1.1.1", ipMode: "VIP" }],
    want: [
      'status.loadBalancer.ingress[0].hostname: Invalid value: "192.0.2.1": must be a DNS name, not an IP address',
      'status.loadBalancer.ingress[1].ip: Invalid value: "300.1.1.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ],
  },
]

for (const c of cases) {
  test(`a Service status write: ${c.name}`, () => {
    assert.deepEqual(statusWrite(c.type, c.ingress), c.want)
  })
}

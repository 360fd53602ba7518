import assert from "node:assert/strict"
import { test } from "node:test"
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { compileRules } from "./rules.ts"

const svc = (name: string, spec: Service["spec"]): Service => ({ metadata: { name, namespace: "ns" }, spec })
const slice = (
  svcName: string,
  ports: EndpointSlice["ports"],
  endpoints: EndpointSlice["endpoints"],
): EndpointSlice => ({
  metadata: { name: `${svcName}-x`, namespace: "ns", labels: { "kubernetes.io/service-name": svcName } },
  addressType: "IPv4",
  ports,
  endpoints,
})

test("one rule per service port with its ready endpoints; headless and ExternalName get none", () => {
  const rules = compileRules(
    [
      svc("web", {
        clusterIP: "10.96.0.20",
        ports: [
          { name: "http", port: 80 },
          { name: "dns", port: 53, protocol: "UDP", nodePort: 30053 },
        ],
        sessionAffinity: "ClientIP",
      }),
      svc("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      svc("ext", { type: "ExternalName", externalName: "a.example.com" }),
    ],
    [
      slice(
        "web",
        [{ name: "http", port: 8080, protocol: "TCP" }],
        [
          { addresses: ["10.244.0.3"], conditions: { ready: true }, nodeName: "n1" },
          { addresses: ["10.244.0.2"], conditions: { ready: false }, nodeName: "n1" },
          { addresses: ["10.244.0.4"], conditions: { ready: true }, nodeName: "n2" },
        ],
      ),
      slice(
        "web",
        [{ name: "dns", port: 5353, protocol: "UDP" }],
        [{ addresses: ["10.244.0.9"], conditions: { ready: true } }],
      ),
    ],
    "n1",
  )
  assert.deepEqual(
    rules.map((r) => [r.id, r.clusterIP, r.port, r.protocol, r.nodePort, r.affinitySeconds, r.endpoints]),
    [
      ["ns/web:dns", "10.96.0.20", 53, "UDP", 30053, 10800, [{ ip: "10.244.0.9", port: 5353, local: false }]],
      [
        "ns/web:http",
        "10.96.0.20",
        80,
        "TCP",
        undefined,
        10800,
        [
          { ip: "10.244.0.3", port: 8080, local: true },
          { ip: "10.244.0.4", port: 8080, local: false },
        ],
      ],
    ],
  )
})

test("terminating but serving endpoints take traffic only when nothing else is ready", () => {
  const rules = compileRules(
    [svc("web", { clusterIP: "10.96.0.20", ports: [{ port: 80 }] })],
    [
      slice(
        "web",
        [{ name: "", port: 8080 }],
        [{ addresses: ["10.244.0.5"], conditions: { ready: false, serving: true, terminating: true } }],
      ),
    ],
    "n1",
  )
  assert.deepEqual(rules[0]?.endpoints, [{ ip: "10.244.0.5", port: 8080, local: false }])
})

test("a LoadBalancer's VIP-mode ingress IPs, external IPs and source ranges go with each port", () => {
  const lb: Service = {
    ...svc("lb", {
      type: "LoadBalancer",
      clusterIP: "10.96.0.21",
      externalIPs: ["192.168.99.1"],
      loadBalancerSourceRanges: [" 203.0.113.0/25"],
      ports: [{ port: 80, nodePort: 30080 }],
    }),
    status: {
      loadBalancer: {
        ingress: [
          { ip: "192.168.0.2", ipMode: "VIP" },
          { ip: "1.2.3.4", ipMode: "Proxy" },
        ],
      },
    },
  }
  const [rule] = compileRules(
    [lb, svc("plain", { clusterIP: "10.96.0.22", externalIPs: ["192.168.99.2"], ports: [{ port: 80 }] })],
    [],
    "n1",
  )
  assert.deepEqual(
    [rule?.externalIPs, rule?.loadBalancerIPs, rule?.sourceRanges],
    [["192.168.99.1"], ["192.168.0.2"], ["203.0.113.0/25"]],
  )
})

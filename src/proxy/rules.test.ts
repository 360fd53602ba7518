import assert from "node:assert/strict"
import { test } from "node:test"
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { compileRules, type RulesCache } from "./rules.ts"

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

test("with a cache, unchanged services keep their rule objects; a changed slice or service is compiled again", () => {
  const cache: RulesCache = new WeakMap()
  const a = svc("a", { clusterIP: "10.96.0.30", ports: [{ port: 80 }] })
  const b = svc("b", { clusterIP: "10.96.0.31", ports: [{ port: 80 }] })
  const ep = (ip: string) => [{ addresses: [ip], conditions: { ready: true } }]
  const sa = slice("a", [{ port: 8080 }], ep("10.244.0.5"))
  const sb = slice("b", [{ port: 8080 }], ep("10.244.0.6"))
  const first = compileRules([a, b], [sa, sb], "n1", cache)
  const again = compileRules([a, b], [sa, sb], "n1", cache)
  assert.equal(again[0], first[0])
  assert.equal(again[1], first[1])
  const sb2 = slice("b", [{ port: 8080 }], ep("10.244.0.7"))
  const changed = compileRules([a, b], [sa, sb2], "n1", cache)
  assert.equal(changed[0], first[0])
  assert.deepEqual(changed[1]?.endpoints, [{ ip: "10.244.0.7", port: 8080, local: false }])
  const a2 = { ...a, spec: { ...a.spec, ports: [{ port: 81 }] } }
  assert.equal(compileRules([a2, b], [sa, sb2], "n1", cache)[0]?.port, 81)
  // The same rules as without a cache.
  assert.deepEqual(compileRules([a2, b], [sa, sb2], "n1", cache), compileRules([a2, b], [sa, sb2], "n1"))
})

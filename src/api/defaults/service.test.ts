import assert from "node:assert/strict"
import { test } from "node:test"
import type { Service } from "kubernetes-types/core/v1.js"
import { defaultService, defaultServiceCIDR } from "./service.ts"

const cases: { name: string; input: Service; want: unknown }[] = [
  {
    name: "defaultService() fills a ClusterIP service",
    input: { spec: { selector: { app: "web" }, ports: [{ port: 80 }] } },
    want: {
      selector: { app: "web" },
      ports: [{ port: 80, protocol: "TCP", targetPort: 80 }],
      sessionAffinity: "None",
      type: "ClusterIP",
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
    },
  },
  {
    name: "defaultService() fills a LoadBalancer service",
    input: { spec: { type: "LoadBalancer", ports: [{ port: 443, targetPort: "https" }] } },
    want: {
      type: "LoadBalancer",
      ports: [{ port: 443, targetPort: "https", protocol: "TCP" }],
      sessionAffinity: "None",
      externalTrafficPolicy: "Cluster",
      internalTrafficPolicy: "Cluster",
      allocateLoadBalancerNodePorts: true,
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
    },
  },
  {
    name: "defaultService() gives ClientIP affinity its timeout",
    input: { spec: { sessionAffinity: "ClientIP", ports: [{ port: 80 }] } },
    want: {
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      ports: [{ port: 80, protocol: "TCP", targetPort: 80 }],
      type: "ClusterIP",
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
    },
  },
  {
    name: "defaultService() keeps clusterIPs with a headless clusterIP",
    input: { spec: { clusterIP: "None" } },
    want: {
      clusterIP: "None",
      clusterIPs: ["None"],
      sessionAffinity: "None",
      type: "ClusterIP",
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "RequireDualStack",
      ipFamilies: ["IPv4"],
    },
  },
  {
    name: "defaultService() leaves ExternalName families alone",
    input: { spec: { type: "ExternalName", externalName: "example.com" } },
    want: { type: "ExternalName", externalName: "example.com", sessionAffinity: "None" },
  },
]

for (const c of cases) {
  test(c.name, () => {
    const svc = structuredClone(c.input)
    defaultService(svc)
    assert.deepEqual(svc.spec, c.want)
  })
}

test("defaultService() gives a LoadBalancer's ingress IPs the VIP ipMode, and nothing else", () => {
  const ingress = [{ ip: "192.0.2.1" }, { ip: "192.0.2.2", ipMode: "Proxy" }, { hostname: "lb.example.com" }]
  const lb: Service = { spec: { type: "LoadBalancer" }, status: { loadBalancer: { ingress } } }
  defaultService(lb)
  assert.deepEqual(lb.status?.loadBalancer?.ingress, [
    { ip: "192.0.2.1", ipMode: "VIP" },
    { ip: "192.0.2.2", ipMode: "Proxy" },
    { hostname: "lb.example.com" },
  ])
  const other: Service = {
    spec: { type: "ClusterIP" },
    status: { loadBalancer: { ingress: [{ ip: "192.0.2.1" }] } },
  }
  defaultService(other)
  assert.deepEqual(other.status?.loadBalancer?.ingress, [{ ip: "192.0.2.1" }])
})

test("defaultServiceCIDR() gives a ServiceCIDR without status the empty one Go's JSON writes", () => {
  const cidr: Record<string, unknown> = { metadata: { name: "c" }, spec: { cidrs: ["10.100.0.0/16"] } }
  defaultServiceCIDR(cidr)
  assert.deepEqual(cidr, { metadata: { name: "c" }, spec: { cidrs: ["10.100.0.0/16"] }, status: {} })
  const ready = { metadata: { name: "r" }, spec: {}, status: { conditions: [] } }
  defaultServiceCIDR(ready)
  assert.deepEqual(ready.status, { conditions: [] })
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from "./service.ts"
import { headers, meta, printerCases } from "./testdata.ts"

printerCases("servicePrinter", servicePrinter, [
  {
    name: "ClusterIP",
    input: {
      metadata: meta("web"),
      spec: {
        type: "ClusterIP",
        clusterIPs: ["10.96.0.10"],
        ports: [{ port: 80, protocol: "TCP" }],
        selector: { app: "web" },
      },
    },
    want: ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "5m", "app=web"],
  },
  {
    name: "NodePort with several ports",
    input: {
      metadata: meta("np"),
      spec: {
        type: "NodePort",
        clusterIPs: ["10.96.0.11"],
        ports: [
          { port: 80, nodePort: 30080, protocol: "TCP" },
          { port: 53, nodePort: 30053, protocol: "UDP" },
        ],
      },
    },
    want: ["np", "NodePort", "10.96.0.11", "<none>", "80:30080/TCP,53:30053/UDP", "5m", "<none>"],
  },
  {
    name: "LoadBalancer pending",
    input: {
      metadata: meta("lb"),
      spec: { type: "LoadBalancer", clusterIPs: ["10.96.0.12"], ports: [{ port: 443, nodePort: 31443 }] },
    },
    want: ["lb", "LoadBalancer", "10.96.0.12", "<pending>", "443:31443/TCP", "5m", "<none>"],
  },
  {
    name: "LoadBalancer with ingress and external IPs",
    input: {
      metadata: meta("lb"),
      spec: {
        type: "LoadBalancer",
        clusterIPs: ["10.96.0.12"],
        externalIPs: ["1.2.3.4"],
        ports: [{ port: 80 }],
      },
      status: { loadBalancer: { ingress: [{ ip: "5.6.7.8" }, { hostname: "lb.example.com" }] } },
    },
    want: ["lb", "LoadBalancer", "10.96.0.12", "5.6.7.8,lb.example.com,1.2.3.4", "80/TCP", "5m", "<none>"],
  },
  {
    name: "headless without ports",
    input: { metadata: meta("h"), spec: { type: "ClusterIP", clusterIP: "None" } },
    want: ["h", "ClusterIP", "None", "<none>", "<none>", "5m", "<none>"],
  },
  {
    name: "ExternalName",
    input: { metadata: meta("ext"), spec: { type: "ExternalName", externalName: "example.com" } },
    want: ["ext", "ExternalName", "<none>", "example.com", "<none>", "5m", "<none>"],
  },
])

printerCases("endpointsPrinter", endpointsPrinter, [
  { name: "no subsets", input: { metadata: meta("e") }, want: ["e", "<none>", "5m"] },
  {
    name: "addresses per port, three then more",
    input: {
      metadata: meta("e"),
      subsets: [
        {
          addresses: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }],
          ports: [{ port: 80 }, { port: 443 }],
        },
      ],
    },
    want: ["e", "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...", "5m"],
  },
  {
    name: "IPv6 and portless subsets",
    input: {
      metadata: meta("e"),
      subsets: [
        { addresses: [{ ip: "fd00::1" }], ports: [{ port: 80 }] },
        { addresses: [{ ip: "10.0.0.9" }] },
      ],
    },
    want: ["e", "[fd00::1]:80,10.0.0.9", "5m"],
  },
])

printerCases("endpointSlicePrinter", endpointSlicePrinter, [
  {
    name: "ports and endpoints",
    input: {
      metadata: meta("web-abc"),
      addressType: "IPv4",
      ports: [{ port: 80 }, { name: "metrics" }, {}],
      endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2"] }],
    },
    want: ["web-abc", "IPv4", "80,metrics,*", "10.0.0.1,10.0.0.2", "5m"],
  },
  {
    name: "empty",
    input: { metadata: meta("e"), addressType: "IPv4", endpoints: [] },
    want: ["e", "IPv4", "<unset>", "<unset>", "5m"],
  },
])

test("servicePrinter has upstream's headers", () => {
  assert.equal(headers(servicePrinter), "Name | Type | Cluster-IP | External-IP | Port(s) | Age | Selector*")
})

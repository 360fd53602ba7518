import assert from "node:assert/strict"
import { test } from "node:test"
import { ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from "./networking.ts"
import { headers, meta, printerCases } from "./testdata.ts"

printerCases("ingressPrinter", ingressPrinter, [
  {
    name: "no class, no hosts",
    input: {
      metadata: meta("ing"),
      spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } },
    },
    want: ["ing", "<none>", "*", "", "80", "5m"],
  },
  {
    name: "hosts, tls and load balancer",
    input: {
      metadata: meta("ing"),
      spec: {
        ingressClassName: "nginx",
        tls: [{ hosts: ["a.example.com"] }],
        rules: [{ host: "a.example.com" }, {}, { host: "b.example.com" }],
      },
      status: {
        loadBalancer: { ingress: [{ ip: "10.1.1.1" }, { hostname: "lb.example.com" }, { ip: "10.1.1.1" }] },
      },
    },
    want: ["ing", "nginx", "a.example.com,b.example.com", "10.1.1.1,lb.example.com", "80, 443", "5m"],
  },
  {
    name: "more than three hosts",
    input: {
      metadata: meta("ing"),
      spec: { rules: [{ host: "a" }, { host: "b" }, { host: "c" }, { host: "d" }, { host: "e" }] },
    },
    want: ["ing", "<none>", "a,b,c + 2 more...", "", "80", "5m"],
  },
])

printerCases("ingressClassPrinter", ingressClassPrinter, [
  {
    name: "with parameters",
    input: {
      metadata: meta("nginx"),
      spec: {
        controller: "k8s.io/ingress-nginx",
        parameters: { apiGroup: "k8s.example.com", kind: "Params", name: "p" },
      },
    },
    want: ["nginx", "k8s.io/ingress-nginx", "Params.k8s.example.com/p", "5m"],
  },
  {
    name: "without parameters",
    input: { metadata: meta("x"), spec: { controller: "c" } },
    want: ["x", "c", "<none>", "5m"],
  },
])

printerCases("networkPolicyPrinter", networkPolicyPrinter, [
  {
    name: "all pods",
    input: { metadata: meta("deny"), spec: { podSelector: {} } },
    want: ["deny", "<none>", "5m"],
  },
  {
    name: "selected pods",
    input: { metadata: meta("web"), spec: { podSelector: { matchLabels: { app: "web" } } } },
    want: ["web", "app=web", "5m"],
  },
])

test("networking printers have upstream's headers", () => {
  assert.equal(headers(ingressPrinter), "Name | Class | Hosts | Address | Ports | Age")
  assert.equal(headers(ingressClassPrinter), "Name | Controller | Parameters | Age")
  assert.equal(headers(networkPolicyPrinter), "Name | Pod-Selector | Age")
})

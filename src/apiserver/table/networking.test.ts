import assert from "node:assert/strict"
import { test } from "node:test"
import {
  ingressClassPrinter,
  ingressPrinter,
  ipAddressPrinter,
  networkPolicyPrinter,
  serviceCIDRPrinter,
} from "./networking.ts"
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

printerCases("serviceCIDRPrinter", serviceCIDRPrinter, [
  {
    name: "single stack",
    input: { metadata: meta("kubernetes"), spec: { cidrs: ["10.96.0.0/12"] } },
    want: ["kubernetes", "10.96.0.0/12", "5m"],
  },
  {
    name: "dual stack",
    input: { metadata: meta("both"), spec: { cidrs: ["10.96.0.0/12", "fd00::/108"] } },
    want: ["both", "10.96.0.0/12,fd00::/108", "5m"],
  },
])

printerCases("ipAddressPrinter", ipAddressPrinter, [
  {
    name: "a Service's address",
    input: {
      metadata: meta("10.96.0.10"),
      spec: { parentRef: { group: "", resource: "services", namespace: "kube-system", name: "kube-dns" } },
    },
    want: ["10.96.0.10", "services/kube-system/kube-dns"],
  },
  {
    name: "a cluster-scoped parent in a group",
    input: {
      metadata: meta("10.96.0.20"),
      spec: { parentRef: { group: "gateway.networking.k8s.io", resource: "Gateways", name: "gw" } },
    },
    want: ["10.96.0.20", "gateways.gateway.networking.k8s.io/gw"],
  },
  { name: "no parent", input: { metadata: meta("10.96.0.30"), spec: {} }, want: ["10.96.0.30", "<none>"] },
])

test("ServiceCIDR and IPAddress printers have upstream's headers", () => {
  assert.equal(headers(serviceCIDRPrinter), "Name | CIDRs | Age")
  assert.equal(headers(ipAddressPrinter), "Name | ParentRef")
})

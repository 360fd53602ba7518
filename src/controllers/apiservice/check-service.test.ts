import assert from "node:assert/strict"
import { test } from "node:test"
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import type { ApiObject, APIService } from "../../api/index.ts"
import { checkService } from "./check-service.ts"

const apiService = (name: string, group: string, version: string, port?: number): APIService => ({
  metadata: { name },
  spec: {
    group,
    version,
    service: { namespace: "ns", name: "ext", ...(port ? { port } : {}) },
    groupPriorityMinimum: 100,
    versionPriority: 100,
  },
})
const metrics = apiService("v1beta1.metrics.k8s.io", "metrics.k8s.io", "v1beta1", 443)

function service(spec: Service["spec"]): Service {
  return { metadata: { name: "ext", namespace: "ns" }, spec }
}

function slice(address: string, ready = true, portName = "https"): EndpointSlice & ApiObject {
  return {
    metadata: { name: "ext-1", namespace: "ns", labels: { "kubernetes.io/service-name": "ext" } },
    addressType: address.includes(":") ? "IPv6" : "IPv4",
    endpoints: [{ addresses: [address], conditions: { ready } }],
    ports: [{ name: portName, port: 8443 }],
  }
}

const cases: { name: string; input: () => unknown; want: unknown }[] = [
  {
    name: "a ClusterIP Service with a ready endpoint is asked at that endpoint",
    input: () =>
      checkService(metrics, service({ ports: [{ name: "https", port: 443 }] }), [slice("10.244.1.7")]),
    want: { url: "https://10.244.1.7:8443/apis/metrics.k8s.io/v1beta1" },
  },
  {
    name: "an IPv6 endpoint is bracketed",
    input: () =>
      checkService(metrics, service({ ports: [{ name: "https", port: 443 }] }), [slice("fd00::7")]),
    want: { url: "https://[fd00::7]:8443/apis/metrics.k8s.io/v1beta1" },
  },
  {
    name: "the core group's APIService is asked for /api/v1",
    input: () =>
      checkService(apiService("v1.", "", "v1", 443), service({ ports: [{ name: "https", port: 443 }] }), [
        slice("10.244.1.7"),
      ]),
    want: { url: "https://10.244.1.7:8443/api/v1" },
  },
  {
    name: "an ExternalName Service is asked at its name and the APIService's port",
    input: () =>
      checkService(metrics, service({ type: "ExternalName", externalName: "metrics.example.com" }), []),
    want: { url: "https://metrics.example.com:443/apis/metrics.k8s.io/v1beta1" },
  },
  {
    name: "a NodePort Service skips the port and slice checks but still needs an endpoint",
    input: () => checkService(metrics, service({ type: "NodePort", ports: [{ name: "web", port: 80 }] }), []),
    want: {
      condition: {
        status: "False",
        reason: "FailedDiscoveryCheck",
        message: 'no endpoints available for service "ext"',
      },
    },
  },
  {
    name: "a port without a name matches slices' unnamed ports",
    input: () =>
      checkService(metrics, service({ ports: [{ port: 443 }] }), [slice("10.244.1.7", true, "https")]),
    want: {
      condition: {
        status: "False",
        reason: "MissingEndpoints",
        message: 'endpointslices for service/ext in "ns" have no addresses with port name ""',
      },
    },
  },
]

for (const c of cases) test(`checkService(): ${c.name}`, () => assert.deepEqual(c.input(), c.want))

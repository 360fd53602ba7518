import assert from "node:assert/strict"
import { test } from "node:test"
import { apiServicePrinter } from "./apiservice.ts"
import { PRINTERS } from "./index.ts"
import { headers, meta, printerCases } from "./testdata.ts"

const spec = { groupPriorityMinimum: 100, versionPriority: 100 }
const metricsService = { namespace: "kube-system", name: "metrics-server", port: 443 }

printerCases("apiServicePrinter", apiServicePrinter, [
  {
    name: "a local APIService",
    input: {
      metadata: meta("v1.apps"),
      spec: { ...spec, group: "apps", version: "v1" },
      status: { conditions: [{ type: "Available", status: "True", reason: "Local", message: "m" }] },
    },
    want: ["v1.apps", "Local", "True", "5m"],
  },
  {
    name: "a service whose Service is missing shows the reason",
    input: {
      metadata: meta("v1beta1.metrics.k8s.io"),
      spec: { ...spec, group: "metrics.k8s.io", version: "v1beta1", service: metricsService },
      status: { conditions: [{ type: "Available", status: "False", reason: "ServiceNotFound" }] },
    },
    want: ["v1beta1.metrics.k8s.io", "kube-system/metrics-server", "False (ServiceNotFound)", "5m"],
  },
  {
    name: "a False condition without a reason",
    input: {
      metadata: meta("v1.example.com"),
      spec: { ...spec, service: metricsService },
      status: { conditions: [{ type: "Available", status: "False" }] },
    },
    want: ["v1.example.com", "kube-system/metrics-server", "False", "5m"],
  },
  {
    name: "no Available condition yet",
    input: { metadata: meta("v1.example.com"), spec: { ...spec, service: metricsService }, status: {} },
    want: ["v1.example.com", "kube-system/metrics-server", "Unknown", "5m"],
  },
])

test("apiServicePrinter has upstream's headers and is the APIService printer", () => {
  assert.equal(headers(apiServicePrinter), "Name | Service | Available | Age")
  assert.ok(PRINTERS.has("apiregistration.k8s.io/APIService"))
})

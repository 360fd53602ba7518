import assert from "node:assert/strict"
import { test } from "node:test"
import {
  configMapPrinter,
  namespacePrinter,
  podTemplatePrinter,
  replicationControllerPrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from "./core.ts"
import { headers, meta, printerCases } from "./testdata.ts"

printerCases("namespacePrinter", namespacePrinter, [
  {
    name: "active",
    input: { metadata: meta("dev"), status: { phase: "Active" } },
    want: ["dev", "Active", "5m"],
  },
  {
    name: "terminating",
    input: { metadata: meta("old"), status: { phase: "Terminating" } },
    want: ["old", "Terminating", "5m"],
  },
])

printerCases("configMapPrinter", configMapPrinter, [
  {
    name: "counts data and binaryData",
    input: { metadata: meta("cm"), data: { a: "1", b: "2" }, binaryData: { c: "AA==" } },
    want: ["cm", 3, "5m"],
  },
  { name: "empty", input: { metadata: meta("cm") }, want: ["cm", 0, "5m"] },
])

printerCases("secretPrinter", secretPrinter, [
  {
    name: "type and data",
    input: { metadata: meta("s"), type: "Opaque", data: { k: "dg==" } },
    want: ["s", "Opaque", 1, "5m"],
  },
])

printerCases("serviceAccountPrinter", serviceAccountPrinter, [
  { name: "no secrets", input: { metadata: meta("default") }, want: ["default", 0, "5m"] },
])

printerCases("podTemplatePrinter", podTemplatePrinter, [
  {
    name: "containers, images and pod labels",
    input: {
      metadata: meta("t"),
      template: {
        metadata: { labels: { app: "web", tier: "fe" } },
        spec: {
          containers: [
            { name: "a", image: "nginx" },
            { name: "b", image: "redis:7" },
          ],
        },
      },
    },
    want: ["t", "a,b", "nginx,redis:7", "app=web,tier=fe"],
  },
])

printerCases("replicationControllerPrinter", replicationControllerPrinter, [
  {
    name: "replicas, containers and selector",
    input: {
      metadata: meta("rc"),
      spec: {
        replicas: 3,
        selector: { app: "web" },
        template: { spec: { containers: [{ name: "a", image: "nginx" }] } },
      },
      status: { replicas: 3, readyReplicas: 2 },
    },
    want: ["rc", 3, 3, 2, "5m", "a", "nginx", "app=web"],
  },
])

printerCases("resourceQuotaPrinter", resourceQuotaPrinter, [
  {
    name: "requests and limits apart, sorted by name",
    input: {
      metadata: meta("q"),
      status: {
        hard: { "limits.memory": "2Gi", pods: "10", "requests.cpu": "2", "limits.cpu": "4" },
        used: { pods: "3", "requests.cpu": "500m", "limits.memory": "1024Mi" },
      },
    },
    want: ["q", "pods: 3/10, requests.cpu: 500m/2", "limits.cpu: 0/4, limits.memory: 1Gi/2Gi", "5m"],
  },
])

test("core printers have upstream's headers", () => {
  assert.equal(headers(namespacePrinter), "Name | Status | Age")
  assert.equal(headers(secretPrinter), "Name | Type | Data | Age")
  assert.equal(headers(podTemplatePrinter), "Name | Containers | Images | Pod Labels")
  assert.equal(
    headers(replicationControllerPrinter),
    "Name | Desired | Current | Ready | Age | Containers* | Images* | Selector*",
  )
  assert.equal(headers(resourceQuotaPrinter), "Name | Request | Limit | Age")
})

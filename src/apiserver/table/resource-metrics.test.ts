import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { resourceMetricsPrinter } from "./resource-metrics.ts"

function pod(name: string, containers: Record<string, string>[], window = "15s"): ApiObject {
  return {
    kind: "PodMetrics",
    apiVersion: "metrics.k8s.io/v1beta1",
    metadata: { name, namespace: "default" },
    timestamp: "2026-01-01T00:00:00Z",
    window,
    containers: containers.map((usage, i) => ({ name: `c${i}`, usage })),
  } as unknown as ApiObject
}

function node(name: string, usage: Record<string, string>): ApiObject {
  return {
    kind: "NodeMetrics",
    apiVersion: "metrics.k8s.io/v1beta1",
    metadata: { name },
    timestamp: "2026-01-01T00:00:00Z",
    window: "10s",
    usage,
  } as unknown as ApiObject
}

const cases: { name: string; input: ApiObject[]; columns: string[]; rows: string[][] }[] = [
  {
    name: "pods: the containers' usage added up, as canonical quantities, and the window",
    input: [
      pod("a", [
        { cpu: "1234567n", memory: "10240Ki" },
        { cpu: "250000000n", memory: "6144Ki" },
      ]),
      pod("b", [{ memory: "65536Ki", cpu: "100000000n" }], "1m0.5s"),
    ],
    columns: ["Name", "cpu", "memory", "Window"],
    rows: [
      ["a", "251234567n", "16Mi", "15s"],
      ["b", "100m", "64Mi", "1m0.5s"],
    ],
  },
  {
    name: "pods: the columns come from the first pod with usage; what a pod lacks is 0",
    input: [pod("empty", []), pod("a", [{ memory: "1Ki" }]), pod("b", [{ cpu: "1" }])],
    columns: ["Name", "memory", "Window"],
    rows: [
      ["empty", "0", "15s"],
      ["a", "1Ki", "15s"],
      ["b", "0", "15s"],
    ],
  },
  {
    name: "nodes: their usage",
    input: [node("n1", { memory: "8388608Ki", cpu: "1500000000n" }), node("n2", { cpu: "2" })],
    columns: ["Name", "cpu", "memory", "Window"],
    rows: [
      ["n1", "1500m", "8Gi", "10s"],
      ["n2", "2", "0", "10s"],
    ],
  },
  { name: "no items: no columns", input: [], columns: [], rows: [] },
]

for (const c of cases) {
  test(`resourceMetricsPrinter(): ${c.name}`, () => {
    const p = resourceMetricsPrinter(c.input)
    assert.deepEqual(
      p.columns.map((col) => col.name),
      c.columns,
    )
    assert.deepEqual(
      c.input.map((o) => p.cells(o, { now: 0 })),
      c.rows,
    )
  })
}

test("resourceMetricsPrinter(): metrics-server's column definitions", () => {
  const p = resourceMetricsPrinter([node("n1", { cpu: "1" })])
  assert.deepEqual(p.columns, [
    { name: "Name", type: "string", format: "name", description: "Name of the resource", priority: 0 },
    { name: "cpu", type: "string", format: "quantity", description: "", priority: 0 },
    { name: "Window", type: "string", format: "duration", description: "", priority: 0 },
  ])
})

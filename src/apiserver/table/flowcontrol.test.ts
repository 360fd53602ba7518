import assert from "node:assert/strict"
import { test } from "node:test"
import { toTable } from "./index.ts"
import { flowSchemaPrinter, priorityLevelConfigurationPrinter } from "./flowcontrol.ts"
import { NOW, headers, meta, printerCases } from "./testdata.ts"

printerCases("flowSchemaPrinter", flowSchemaPrinter, [
  {
    name: "with a distinguisher and a Dangling condition",
    input: {
      metadata: meta("service-accounts"),
      spec: {
        priorityLevelConfiguration: { name: "workload-low" },
        matchingPrecedence: 9000,
        distinguisherMethod: { type: "ByUser" },
      },
      status: { conditions: [{ type: "Dangling", status: "False" }] },
    },
    want: ["service-accounts", "workload-low", 9000, "ByUser", "5m", "False"],
  },
  {
    name: "before any status",
    input: {
      metadata: meta("x"),
      spec: { priorityLevelConfiguration: { name: "pl" }, matchingPrecedence: 1000 },
    },
    want: ["x", "pl", 1000, "<none>", "5m", "?"],
  },
])

printerCases("priorityLevelConfigurationPrinter", priorityLevelConfigurationPrinter, [
  {
    name: "limited with queuing",
    input: {
      metadata: meta("global-default"),
      spec: {
        type: "Limited",
        limited: {
          nominalConcurrencyShares: 20,
          limitResponse: { type: "Queue", queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } },
        },
      },
    },
    want: ["global-default", "Limited", 20, 128, 6, 50, "5m"],
  },
  {
    name: "limited rejecting",
    input: {
      metadata: meta("catch-all"),
      spec: { type: "Limited", limited: { nominalConcurrencyShares: 5, limitResponse: { type: "Reject" } } },
    },
    want: ["catch-all", "Limited", 5, "<none>", "<none>", "<none>", "5m"],
  },
  {
    name: "exempt",
    input: { metadata: meta("exempt"), spec: { type: "Exempt", exempt: {} } },
    want: ["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "5m"],
  },
])

test("flowcontrol printers have upstream's headers", () => {
  assert.equal(
    headers(flowSchemaPrinter),
    "Name | PriorityLevel | MatchingPrecedence | DistinguisherMethod | Age | MissingPL",
  )
  assert.equal(
    headers(priorityLevelConfigurationPrinter),
    "Name | Type | NominalConcurrencyShares | Queues | HandSize | QueueLengthLimit | Age",
  )
})

test("toTable() lists FlowSchemas by matching precedence, then name", () => {
  const fs = (name: string, matchingPrecedence: number) => ({
    apiVersion: "flowcontrol.apiserver.k8s.io/v1",
    kind: "FlowSchema",
    metadata: meta(name),
    spec: { priorityLevelConfiguration: { name: "pl" }, matchingPrecedence },
  })
  const table = toTable(
    { group: "flowcontrol.apiserver.k8s.io", kind: "FlowSchema" },
    [fs("catch-all", 10000), fs("b", 500), fs("exempt", 1), fs("a", 500)],
    { now: NOW, includeObject: "None" },
  ) as { rows: { cells: unknown[] }[] }
  assert.deepEqual(
    table.rows.map((r) => r.cells[0]),
    ["exempt", "a", "b", "catch-all"],
  )
})

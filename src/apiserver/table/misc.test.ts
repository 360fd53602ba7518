import assert from "node:assert/strict"
import { test } from "node:test"
import { leasePrinter, podDisruptionBudgetPrinter, priorityClassPrinter } from "./misc.ts"
import { headers, meta, printerCases } from "./testdata.ts"

printerCases("leasePrinter", leasePrinter, [
  { name: "held", input: { metadata: meta("n1"), spec: { holderIdentity: "n1" } }, want: ["n1", "n1", "5m"] },
  { name: "free", input: { metadata: meta("x"), spec: {} }, want: ["x", "", "5m"] },
])

printerCases("podDisruptionBudgetPrinter", podDisruptionBudgetPrinter, [
  {
    name: "min available",
    input: {
      metadata: meta("pdb"),
      spec: { minAvailable: 2 },
      status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 },
    },
    want: ["pdb", "2", "N/A", 1, "5m"],
  },
  {
    name: "max unavailable percent",
    input: { metadata: meta("pdb"), spec: { maxUnavailable: "25%" } },
    want: ["pdb", "N/A", "25%", 0, "5m"],
  },
])

printerCases("priorityClassPrinter", priorityClassPrinter, [
  {
    name: "global default",
    input: {
      metadata: meta("high"),
      value: 1000,
      globalDefault: true,
      preemptionPolicy: "PreemptLowerPriority",
    },
    want: ["high", 1000, true, "5m", "PreemptLowerPriority"],
  },
  { name: "bare", input: { metadata: meta("low"), value: -5 }, want: ["low", -5, false, "5m", ""] },
])

test("misc printers have upstream's headers", () => {
  assert.equal(headers(leasePrinter), "Name | Holder | Age")
  assert.equal(
    headers(podDisruptionBudgetPrinter),
    "Name | Min Available | Max Unavailable | Allowed Disruptions | Age",
  )
  assert.equal(headers(priorityClassPrinter), "Name | Value | Global-Default | Age | PreemptionPolicy")
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { printed, stored } from "./_fixtures.ts"
import { validateLease, validatePodDisruptionBudget, validatePriorityClass } from "./misc.ts"

const meta = { name: "x", namespace: "default" }

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validatePodDisruptionBudget() accepts minAvailable",
    input: () =>
      printed(
        validatePodDisruptionBudget({
          metadata: meta,
          spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } },
        }),
      ),
    want: [],
  },
  {
    name: "validatePodDisruptionBudget() refuses both bounds",
    input: () =>
      printed(
        validatePodDisruptionBudget({ metadata: meta, spec: { minAvailable: 1, maxUnavailable: "150%" } }),
      ),
    want: [
      'spec: Invalid value: {"minAvailable":1,"maxUnavailable":"150%"}: minAvailable and maxUnavailable cannot be both set',
      'spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    ],
  },
  {
    name: "validatePodDisruptionBudget() checks the eviction policy",
    input: () =>
      printed(validatePodDisruptionBudget({ metadata: meta, spec: { unhealthyPodEvictionPolicy: "Never" } })),
    want: [
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
    ],
  },
  {
    name: "validatePriorityClass() caps user values",
    input: () => printed(validatePriorityClass({ metadata: { name: "high" }, value: 2000000000 })),
    want: ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"],
  },
  {
    name: "validatePriorityClass() reserves the system- prefix",
    input: () => printed(validatePriorityClass({ metadata: { name: "system-x" }, value: 1 })),
    want: [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-x is not a known system priority class",
    ],
  },
  {
    name: "validatePriorityClass() on update keeps the value",
    input: () =>
      printed(
        validatePriorityClass(
          stored({ metadata: { name: "high" }, value: 2 }),
          stored({ metadata: { name: "high" }, value: 1 }),
        ),
      ),
    want: ["value: Forbidden: may not be changed in an update."],
  },
  {
    name: "validateLease() wants a positive duration",
    input: () =>
      printed(validateLease({ metadata: meta, spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } })),
    want: [
      "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
      "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

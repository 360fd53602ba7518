import assert from "node:assert/strict"
import { test } from "node:test"
import type { Affinity, Toleration, TopologySpreadConstraint } from "kubernetes-types/core/v1.js"
import { printed } from "./_fixtures.ts"
import { validateAffinity, validateTolerations, validateTopologySpread } from "./scheduling.ts"

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  {
    name: "validateTolerations() accepts Exists without a key",
    input: () => printed(validateTolerations([{ operator: "Exists" }], "spec.tolerations")),
    want: [],
  },
  {
    name: "validateTolerations() needs NoExecute for tolerationSeconds",
    input: () =>
      printed(
        validateTolerations(
          [{ key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 }] as Toleration[],
          "t",
        ),
      ),
    want: [
      "t[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    ],
  },
  {
    name: "validateTolerations() wants no value with Exists",
    input: () => printed(validateTolerations([{ key: "a", operator: "Exists", value: "x" }], "t")),
    want: ["t[0].operator: Invalid value: \"x\": value must be empty when `operator` is 'Exists'"],
  },
  {
    name: "validateTolerations() checks the operator and effect",
    input: () => printed(validateTolerations([{ key: "a", operator: "In", effect: "Never" }], "t")),
    want: [
      't[0].operator: Unsupported value: "In": supported values: "Equal", "Exists"',
      't[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ],
  },
  {
    name: "validateAffinity() needs node selector terms",
    input: () => {
      const a: Affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
      }
      return printed(validateAffinity(a, "spec.affinity"))
    },
    want: [
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term",
    ],
  },
  {
    name: "validateAffinity() checks pod affinity weights and topology keys",
    input: () => {
      const a: Affinity = {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 0, podAffinityTerm: { topologyKey: "" } },
          ],
        },
      }
      return printed(validateAffinity(a, "spec.affinity"))
    },
    want: [
      "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100",
      "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Required value: can not be empty",
      `spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "": name part must be non-empty`,
      `spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
  },
  {
    name: "validateTopologySpread() checks skew and repeats",
    input: () => {
      const c: TopologySpreadConstraint[] = [
        { maxSkew: 0, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" },
        { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" },
      ]
      return printed(validateTopologySpread(c, "spec.topologySpreadConstraints"))
    },
    want: [
      "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
      'spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, DoNotSchedule}"',
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

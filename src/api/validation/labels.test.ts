import assert from "node:assert/strict"
import { test } from "node:test"
import type { LabelSelector } from "kubernetes-types/meta/v1.js"
import { printed } from "./_fixtures.ts"
import { compileSelector, validateLabelSelector } from "./labels.ts"

const selectorCases: { name: string; input: LabelSelector; want: string[] }[] = [
  {
    name: "validateLabelSelector() accepts matchLabels and expressions",
    input: {
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "tier", operator: "In", values: ["a"] }],
    },
    want: [],
  },
  {
    name: "validateLabelSelector() requires values for In",
    input: { matchExpressions: [{ key: "tier", operator: "In" }] },
    want: [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ],
  },
  {
    name: "validateLabelSelector() forbids values for Exists",
    input: { matchExpressions: [{ key: "tier", operator: "Exists", values: ["a"] }] },
    want: [
      "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ],
  },
  {
    name: "validateLabelSelector() refuses unknown operators",
    input: { matchExpressions: [{ key: "tier", operator: "Gt", values: ["1"] }] },
    want: ['spec.selector.matchExpressions[0].operator: Invalid value: "Gt": not a valid selector operator'],
  },
]

for (const c of selectorCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateLabelSelector(c.input, "spec.selector")), c.want)
  })
}

const matchCases: {
  name: string
  input: { sel: LabelSelector | undefined; labels: Record<string, string> }
  want: boolean
}[] = [
  {
    name: "compileSelector() of nothing matches nothing",
    input: { sel: undefined, labels: { a: "b" } },
    want: false,
  },
  { name: "compileSelector() of {} matches everything", input: { sel: {}, labels: {} }, want: true },
  {
    name: "compileSelector() matches labels",
    input: { sel: { matchLabels: { a: "b" } }, labels: { a: "b", c: "d" } },
    want: true,
  },
  {
    name: "compileSelector() treats a missing key as NotIn",
    input: { sel: { matchExpressions: [{ key: "a", operator: "NotIn", values: ["x"] }] }, labels: {} },
    want: true,
  },
  {
    name: "compileSelector() needs the key for In",
    input: { sel: { matchExpressions: [{ key: "a", operator: "In", values: ["x"] }] }, labels: {} },
    want: false,
  },
]

for (const c of matchCases) {
  test(c.name, () => {
    assert.equal(compileSelector(c.input.sel).matches(c.input.labels), c.want)
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import type { selectorMatcher } from "./labels.ts"
import { labelSelectorMatches, selectorFromSet } from "./labels.ts"

const cases: {
  name: string
  sel: Parameters<typeof selectorMatcher>[0]
  labels: Record<string, string>
  want: boolean
}[] = [
  { name: "absent selector matches nothing", sel: undefined, labels: { a: "1" }, want: false },
  { name: "empty selector matches everything", sel: {}, labels: {}, want: true },
  { name: "matchLabels equal", sel: { matchLabels: { a: "1" } }, labels: { a: "1", b: "2" }, want: true },
  { name: "matchLabels differ", sel: { matchLabels: { a: "1" } }, labels: { a: "2" }, want: false },
  {
    name: "In",
    sel: { matchExpressions: [{ key: "a", operator: "In", values: ["1", "2"] }] },
    labels: { a: "2" },
    want: true,
  },
  {
    name: "In, key absent",
    sel: { matchExpressions: [{ key: "a", operator: "In", values: ["1"] }] },
    labels: {},
    want: false,
  },
  {
    name: "NotIn, key absent",
    sel: { matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] },
    labels: {},
    want: true,
  },
  {
    name: "NotIn, listed",
    sel: { matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] },
    labels: { a: "1" },
    want: false,
  },
  {
    name: "Exists",
    sel: { matchExpressions: [{ key: "a", operator: "Exists" }] },
    labels: { a: "" },
    want: true,
  },
  {
    name: "DoesNotExist",
    sel: { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] },
    labels: { a: "" },
    want: false,
  },
  {
    name: "unknown operator",
    sel: { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] },
    labels: { a: "2" },
    want: false,
  },
]

for (const c of cases) {
  test(`selector: ${c.name}`, () => assert.equal(labelSelectorMatches(c.sel, c.labels), c.want))
}

test("a map selector needs every pair; the empty map matches everything", () => {
  assert.equal(selectorFromSet({ app: "web" })({ app: "web", x: "y" }), true)
  assert.equal(selectorFromSet({ app: "web" })({ app: "db" }), false)
  assert.equal(selectorFromSet({})(undefined), true)
})

import assert from "node:assert/strict"
import { test } from "node:test"
import {
  formatLabelSelector,
  formatLabels,
  humanDuration,
  listWithMore,
  quantity,
  selectorString,
} from "./format.ts"

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H

const durations: { name: string; ms: number; want: string }[] = [
  { name: "far future is invalid", ms: -2 * S, want: "<invalid>" },
  { name: "a second ahead is now", ms: -1500, want: "0s" },
  { name: "seconds", ms: 5 * S, want: "5s" },
  { name: "under two minutes stays in seconds", ms: 119 * S, want: "119s" },
  { name: "whole minutes", ms: 3 * M, want: "3m" },
  { name: "minutes and seconds", ms: 3 * M + 2 * S, want: "3m2s" },
  { name: "ten minutes drops seconds", ms: 15 * M + 30 * S, want: "15m" },
  { name: "up to three hours in minutes", ms: 179 * M, want: "179m" },
  { name: "hours and minutes", ms: 4 * H + 10 * M, want: "4h10m" },
  { name: "whole hours", ms: 5 * H, want: "5h" },
  { name: "over eight hours", ms: 30 * H + 5 * M, want: "30h" },
  { name: "days and hours", ms: 2 * D + 3 * H, want: "2d3h" },
  { name: "whole days", ms: 3 * D, want: "3d" },
  { name: "over eight days", ms: 40 * D + 5 * H, want: "40d" },
  { name: "years and days", ms: 3 * 365 * D + 20 * D, want: "3y20d" },
  { name: "whole years", ms: 3 * 365 * D, want: "3y" },
  { name: "over eight years", ms: 9 * 365 * D + 100 * D, want: "9y" },
]
for (const c of durations) test(`humanDuration() ${c.name}`, () => assert.equal(humanDuration(c.ms), c.want))

test("formatLabels() sorts by key and prints <none> when empty", () => {
  assert.equal(formatLabels({ b: "2", a: "1" }), "a=1,b=2")
  assert.equal(formatLabels({}), "<none>")
  assert.equal(formatLabels(undefined), "<none>")
})

const selectors: {
  name: string
  sel: Parameters<typeof selectorString>[0]
  want: string
  formatted: string
}[] = [
  { name: "missing", sel: undefined, want: "", formatted: "<none>" },
  { name: "empty", sel: {}, want: "", formatted: "<none>" },
  { name: "matchLabels", sel: { matchLabels: { b: "2", a: "1" } }, want: "a=1,b=2", formatted: "a=1,b=2" },
  {
    name: "expressions sorted by key with sorted values",
    sel: {
      matchLabels: { z: "1" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["web", "api"] },
        { key: "env", operator: "NotIn", values: ["prod"] },
        { key: "a", operator: "Exists" },
        { key: "b", operator: "DoesNotExist" },
      ],
    },
    want: "a,!b,env notin (prod),tier in (api,web),z=1",
    formatted: "a,!b,env notin (prod),tier in (api,web),z=1",
  },
]
for (const c of selectors) {
  test(`selectorString() ${c.name}`, () => assert.equal(selectorString(c.sel), c.want))
  test(`formatLabelSelector() ${c.name}`, () => assert.equal(formatLabelSelector(c.sel), c.formatted))
}

test("formatLabelSelector() prints <error> for an unknown operator", () => {
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "Near" }] }), "<error>")
})

test("quantity() prints the canonical form", () => {
  assert.equal(quantity("1024Mi"), "1Gi")
  assert.equal(quantity("0.5"), "500m")
  assert.equal(quantity(undefined), "0")
})

test("listWithMore() keeps three and counts the rest", () => {
  assert.equal(listWithMore(["a", "b", "c", "d", "e"]), "a,b,c + 2 more...")
  assert.equal(listWithMore(["a"]), "a")
  assert.equal(listWithMore([]), "<unset>")
})

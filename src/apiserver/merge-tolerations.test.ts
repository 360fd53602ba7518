import assert from "node:assert/strict"
import { test } from "node:test"
import type { Toleration } from "kubernetes-types/core/v1.js"
import { mergeTolerations, toleratesSuperset } from "./merge-tolerations.ts"

const equalA: Toleration = { key: "a", operator: "Equal", value: "1", effect: "NoSchedule" }
const existsA: Toleration = { key: "a", operator: "Exists", effect: "NoSchedule" }
const existsAnyEffect: Toleration = { key: "a", operator: "Exists" }
const everything: Toleration = { operator: "Exists" }
const b: Toleration = { key: "b", operator: "Equal", value: "2", effect: "NoExecute" }
const noExecute = (s?: number): Toleration => ({
  key: "c",
  operator: "Exists",
  effect: "NoExecute",
  ...(s !== undefined ? { tolerationSeconds: s } : {}),
})

const supersetCases: { name: string; wide: Toleration; narrow: Toleration; want: boolean }[] = [
  { name: "an equal toleration", wide: equalA, narrow: { ...equalA }, want: true },
  { name: "Exists over Equal of the same key", wide: existsA, narrow: equalA, want: true },
  { name: "not Equal over Exists", wide: equalA, narrow: existsA, want: false },
  { name: "an empty effect over a set one", wide: existsAnyEffect, narrow: existsA, want: true },
  {
    name: "not a set effect over another",
    wide: existsA,
    narrow: { ...existsA, effect: "NoExecute" },
    want: false,
  },
  { name: "an empty key with Exists over any key", wide: everything, narrow: b, want: true },
  { name: "not another key", wide: existsA, narrow: { ...existsA, key: "z" }, want: false },
  {
    name: "not an empty key with Equal over a set key",
    wide: { operator: "Equal", value: "1" },
    narrow: equalA,
    want: false,
  },
  { name: "not Equal with another value", wide: equalA, narrow: { ...equalA, value: "2" }, want: false },
  {
    name: "an empty operator (Equal) over an explicit Equal",
    wide: { key: "a", value: "1", effect: "NoSchedule" },
    narrow: equalA,
    want: true,
  },
  {
    name: "not over an empty operator, which upstream does not read as Equal there",
    wide: equalA,
    narrow: { key: "a", value: "1", effect: "NoSchedule" },
    want: false,
  },
  {
    name: "a shorter NoExecute time over a longer one",
    wide: noExecute(60),
    narrow: noExecute(30),
    want: true,
  },
  {
    name: "not a shorter NoExecute time over a longer one",
    wide: noExecute(30),
    narrow: noExecute(60),
    want: false,
  },
  {
    name: "not a bounded NoExecute time over an unbounded one",
    wide: noExecute(30),
    narrow: noExecute(),
    want: false,
  },
  {
    name: "an unbounded NoExecute time over a bounded one",
    wide: noExecute(),
    narrow: noExecute(30),
    want: true,
  },
  { name: "not an unknown operator", wide: { key: "a", operator: "Like" }, narrow: equalA, want: false },
]

for (const c of supersetCases) {
  test(`toleratesSuperset() ${c.name}: ${c.want}`, () => {
    assert.equal(toleratesSuperset(c.wide, c.narrow), c.want)
  })
}

const mergeCases: { name: string; first?: Toleration[]; second?: Toleration[]; want: Toleration[] }[] = [
  { name: "nothing merges to nothing", want: [] },
  { name: "keeps the first's then the second's", first: [equalA], second: [b], want: [equalA, b] },
  { name: "keeps one of two equal tolerations", first: [equalA], second: [{ ...equalA }], want: [equalA] },
  { name: "drops a toleration a later one covers", first: [equalA], second: [existsA], want: [existsA] },
  { name: "drops a toleration an earlier one covers", first: [existsA], second: [equalA], want: [existsA] },
  {
    name: "keeps only what tolerates everything",
    first: [equalA, b, noExecute(30)],
    second: [everything],
    want: [everything],
  },
  {
    name: "keeps the longest NoExecute time",
    first: [noExecute(30), noExecute(300)],
    second: [noExecute(60)],
    want: [noExecute(300)],
  },
  {
    name: "drops duplicates within one list",
    first: [equalA, { ...equalA }, existsAnyEffect, b],
    want: [existsAnyEffect, b],
  },
  {
    name: "keeps tolerations of other keys and effects apart",
    first: [existsA, { ...existsA, effect: "NoExecute" }],
    second: [{ ...existsA, key: "z" }],
    want: [existsA, { ...existsA, effect: "NoExecute" }, { ...existsA, key: "z" }],
  },
]

for (const c of mergeCases) {
  test(`mergeTolerations() ${c.name}`, () => {
    assert.deepEqual(mergeTolerations(c.first, c.second), c.want)
  })
}

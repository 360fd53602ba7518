/** semanticEqual() as upstream's equality.Semantic.DeepEqual reads JSON. */
import assert from "node:assert/strict"
import { test } from "node:test"
import { semanticEqual } from "./semantic-equal.ts"

const CASES: { name: string; a: unknown; b: unknown; want: boolean }[] = [
  { name: "an absent list equals an empty one", a: { x: [] }, b: {}, want: true },
  { name: "a null list equals an empty one", a: { x: null }, b: { x: [] }, want: true },
  { name: "different numbers differ", a: { x: 1 }, b: { x: 2 }, want: false },
  { name: "lists differ by order", a: ["a", "b"], b: ["b", "a"], want: false },
  { name: "an absent number is not zero", a: { x: 0 }, b: {}, want: false },
  { name: "an empty object is not an absent one (a non-nil pointer)", a: { x: {} }, b: {}, want: false },
  { name: "an empty object is not undefined", a: {}, b: undefined, want: false },
  { name: "nested empty lists are equal", a: { x: { y: [] } }, b: { x: {} }, want: true },
]
for (const c of CASES) test(c.name, () => assert.equal(semanticEqual(c.a, c.b), c.want))

import assert from "node:assert/strict"
import { test } from "node:test"
import { jsonEqual } from "./json-equal.ts"

test("jsonEqual is equality of JSON values with their objects' keys in any order", () => {
  const equal: [unknown, unknown][] = [
    [
      { a: 1, b: { c: [1, "x", null] } },
      { b: { c: [1, "x", null] }, a: 1 },
    ],
    [{ a: 1, u: undefined }, { a: 1 }],
    [[], []],
    ["s", "s"],
  ]
  const different: [unknown, unknown][] = [
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }],
    [{ a: [1, 2] }, { a: [2, 1] }],
    [{ a: {} }, { a: [] }],
    [{ a: null }, { a: undefined }],
    [{ a: "1" }, { a: 1 }],
    [[1], [1, 1]],
  ]
  for (const [a, b] of equal) {
    assert.equal(jsonEqual(a, b), true, JSON.stringify([a, b]))
    assert.equal(jsonEqual(b, a), true, JSON.stringify([b, a]))
  }
  for (const [a, b] of different) {
    assert.equal(jsonEqual(a, b), false, JSON.stringify([a, b]))
    assert.equal(jsonEqual(b, a), false, JSON.stringify([b, a]))
  }
})

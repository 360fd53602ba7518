import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { formatIntervals, hasIndex, parseIntervals, totalOf, withIndexes } from "./intervals.ts"

describe("formatIntervals(withIndexes())", () => {
  const cases = [
    { name: "nothing", input: [], want: "" },
    { name: "one", input: [3], want: "3" },
    { name: "two neighbours stay apart", input: [3, 4], want: "3,4" },
    { name: "three or more compress", input: [1, 3, 4, 5, 7], want: "1,3-5,7" },
    { name: "any order, repeats", input: [5, 0, 2, 1, 5], want: "0-2,5" },
  ]
  for (const c of cases) test(c.name, () => assert.equal(formatIntervals(withIndexes([], c.input)), c.want))
})

describe("parseIntervals", () => {
  const cases = [
    { name: "empty", text: "", completions: 5, want: "" },
    { name: "round trip", text: "1,3-5,7", completions: 10, want: "1,3-5,7" },
    { name: "beyond completions dropped", text: "1,3-5,7", completions: 5, want: "1,3,4" },
    { name: "neighbours merge", text: "0,1,2", completions: 5, want: "0-2" },
    { name: "garbage stops the parse", text: "0,x,3", completions: 5, want: "0" },
  ]
  for (const c of cases) {
    test(c.name, () => assert.equal(formatIntervals(parseIntervals(c.text, c.completions)), c.want))
  }
  test("totalOf and hasIndex", () => {
    const iv = parseIntervals("1,3-5,7", 10)
    assert.equal(totalOf(iv), 5)
    assert.ok(hasIndex(iv, 4) && !hasIndex(iv, 2) && !hasIndex(iv, 8))
  })
})

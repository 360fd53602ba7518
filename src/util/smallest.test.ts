import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { smallest } from "./smallest.ts"

/** A value and its place in the input, the tie-break a stable sort applies. */
interface Item {
  readonly v: number
  readonly i: number
}

const byValueThenPlace = (a: Item, b: Item) => a.v - b.v || a.i - b.i

function items(values: readonly number[]): Item[] {
  return values.map((v, i) => ({ v, i }))
}

/** What a stable sort gives: the first `n` of the sorted copy. */
function sortedHead(values: readonly number[], n: number): Item[] {
  return items(values)
    .sort((a, b) => a.v - b.v)
    .slice(0, Math.max(0, n))
}

/** A deterministic pseudo-random sequence (a linear congruential generator). */
function numbers(seed: number, count: number, range: number): number[] {
  const out: number[] = []
  let x = seed
  for (let k = 0; k < count; k++) {
    x = (x * 1103515245 + 12345) % 2 ** 31
    out.push(x % range)
  }
  return out
}

describe("smallest", () => {
  const cases: readonly { name: string; values: readonly number[]; n: number }[] = [
    { name: "none asked", values: [3, 1, 2], n: 0 },
    { name: "a negative count", values: [3, 1, 2], n: -1 },
    { name: "no items", values: [], n: 3 },
    { name: "one of one", values: [7], n: 1 },
    { name: "the least", values: [5, 3, 9, 1, 7], n: 1 },
    { name: "the greatest is last", values: [5, 3, 9, 1, 7], n: 4 },
    { name: "all of them, sorted", values: [5, 3, 9, 1, 7], n: 5 },
    { name: "more than there are", values: [5, 3, 9, 1, 7], n: 9 },
    { name: "ties keep their input order", values: [2, 1, 2, 1, 2, 1, 2], n: 4 },
    { name: "all equal", values: [4, 4, 4, 4, 4, 4], n: 3 },
    { name: "sorted input", values: [1, 2, 3, 4, 5, 6, 7, 8, 9], n: 3 },
    { name: "reversed input", values: [9, 8, 7, 6, 5, 4, 3, 2, 1], n: 3 },
    { name: "two values, many ties", values: numbers(7, 200, 2), n: 101 },
    { name: "random, a few of many", values: numbers(11, 1250, 1000), n: 10 },
    { name: "random, a quarter", values: numbers(13, 1000, 300), n: 250 },
    { name: "random, all but one", values: numbers(17, 500, 50), n: 499 },
  ]
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(smallest(items(c.values), c.n, byValueThenPlace), sortedHead(c.values, c.n))
    })
  }

  test("every count of many random inputs matches the stable sort's head", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const values = numbers(seed, 1 + (seed % 37), 1 + (seed % 5))
      for (let n = 0; n <= values.length; n++) {
        assert.deepEqual(
          smallest(items(values), n, byValueThenPlace),
          sortedHead(values, n),
          `seed ${seed}, n ${n}`,
        )
      }
    }
  })
})

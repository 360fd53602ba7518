import assert from "node:assert/strict"
import { test } from "node:test"
import { Terminations } from "./terminations.ts"

test("a termination's grace period only shrinks, to no less than a second, for the same pod", () => {
  const t = new Terminations()
  const cuts: number[] = []
  const end = t.begin("ns/p", "u1", 30_000, 0, (ms) => cuts.push(ms))
  t.shorten("ns/p", "u1", 40_000, 5_000) // later than the 30 s deadline: kept
  t.shorten("ns/p", "other", 2_000, 5_000) // another pod of that name: not this one
  t.shorten("ns/q", "u1", 2_000, 5_000)
  assert.deepEqual(cuts, [])
  t.shorten("ns/p", "u1", 2_000, 5_000) // deadline 7 s
  t.shorten("ns/p", "u1", 3_000, 5_000) // 8 s: not sooner
  t.shorten("ns/p", "u1", 0, 6_000) // no less than a second: 7 s again, not sooner
  t.shorten("ns/p", "u1", 0, 5_500) // 6.5 s
  assert.deepEqual(cuts, [2_000, 1_000])
  end()
  t.shorten("ns/p", "u1", 0, 6_000)
  assert.deepEqual(cuts, [2_000, 1_000])
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { FakeClock } from "../util/index.ts"
import { COMBINED_PREFIX, EventCorrelator, SPAM_BURST } from "./event-correlator.ts"

test("a source may burst 25 events about one object, then one per 5 minutes", async () => {
  const clock = new FakeClock(0)
  const c = new EventCorrelator(clock)
  const e = (object: string, i: number) =>
    c.correlate({ object, type: "Normal", reason: "R", message: `m${i}` })
  const kept = Array.from({ length: 40 }, (_, i) => e("a", i)).filter((r) => !r.skip)
  assert.equal(kept.length, SPAM_BURST)
  assert.equal(e("b", 0).skip, false) // another object has its own budget
  await clock.advance(299_000)
  assert.equal(e("a", 99).skip, true)
  await clock.advance(1_000)
  assert.equal(e("a", 100).skip, false)
})

test("similar events with 10 different messages are combined under one key", () => {
  const c = new EventCorrelator(new FakeClock(0))
  const out = Array.from({ length: 12 }, (_, i) =>
    c.correlate({ object: "o", type: "Normal", reason: "SuccessfulCreate", message: `Created pod: p${i}` }),
  )
  const keys = out.map((r) => (r.skip ? "" : r.key))
  assert.equal(new Set(keys.slice(0, 9)).size, 9)
  assert.equal(keys[9], keys[10])
  const last = out[11]
  assert.ok(last && !last.skip)
  assert.equal(last.message, `${COMBINED_PREFIX}Created pod: p11`)
  assert.equal(keys[11], keys[9])
  // The same message again is the same event (its count grows).
  const again = c.correlate({ object: "o", type: "Normal", reason: "Other", message: "x" })
  const twice = c.correlate({ object: "o", type: "Normal", reason: "Other", message: "x" })
  assert.ok(!again.skip && !twice.skip)
  assert.equal(again.key, twice.key)
})

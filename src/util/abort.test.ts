import assert from "node:assert/strict"
import { getEventListeners } from "node:events"
import { describe, test } from "node:test"
import { pause } from "./abort.ts"

describe("pause", () => {
  test("a loop of pauses on one signal leaves no listener behind", async () => {
    const ac = new AbortController()
    for (let i = 0; i < 20; i++) await pause(1, ac.signal)
    assert.equal(getEventListeners(ac.signal, "abort").length, 0)
  })

  test("ends at once when the signal aborts, and when it had", async () => {
    const ac = new AbortController()
    const started = Date.now()
    const p = pause(60_000, ac.signal)
    ac.abort()
    await p
    await pause(60_000, ac.signal)
    assert.ok(Date.now() - started < 1000)
  })
})

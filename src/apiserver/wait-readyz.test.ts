/** waitForReadyz: /readyz asked every 200 ms of the injected clock until it passes, or 30 s. */
import assert from "node:assert/strict"
import { Writable } from "node:stream"
import { test } from "node:test"
import { createLogger, FakeClock, silentLogger } from "../util/index.ts"
import { waitForReadyz } from "./wait-readyz.ts"

/** A /readyz that fails `failures` times, then passes; counts the requests. */
function readyz(failures: number) {
  const state = { calls: 0 }
  const fetch = async (req: Request) => {
    assert.equal(new URL(req.url).pathname, "/readyz")
    state.calls++
    return state.calls > failures
      ? new Response("ok", { status: 200 })
      : new Response("[+]ping ok\n[-]autoregister-completion failed: reason withheld\n", { status: 500 })
  }
  return { state, fetch }
}

/** Lets the waiting loop run until it sleeps again. */
async function settle(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 50 && clock.waiting === 0; i++) await new Promise((r) => setImmediate(r))
}

test("waitForReadyz() asks /readyz again every 200 ms of its clock until it passes", async () => {
  const clock = new FakeClock()
  const { state, fetch } = readyz(2)
  const done = waitForReadyz(fetch, { clock, log: silentLogger(), signal: new AbortController().signal })
  await settle(clock)
  assert.equal(state.calls, 1)
  await clock.advance(199)
  assert.equal(state.calls, 1, "not before 200 ms")
  await clock.advance(1)
  await settle(clock)
  assert.equal(state.calls, 2)
  await clock.advance(200)
  assert.equal(await done, true)
  assert.equal(state.calls, 3)
})

test("waitForReadyz() gives up after its timeout, logging the failing checks", async () => {
  const clock = new FakeClock()
  const { state, fetch } = readyz(Infinity)
  let logged = ""
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logged += chunk.toString()
      cb()
    },
  })
  const log = createLogger({ level: "warn", format: "json", destination })
  const done = waitForReadyz(fetch, { clock, log, signal: new AbortController().signal, timeoutMs: 1_000 })
  for (let i = 0; i < 5; i++) {
    await settle(clock)
    await clock.advance(200)
  }
  assert.equal(await done, false)
  assert.equal(state.calls, 5)
  assert.match(logged, /The API server is not ready yet/)
  assert.match(logged, /\[-\]autoregister-completion failed: reason withheld/)
})

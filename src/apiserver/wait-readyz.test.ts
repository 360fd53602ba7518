/** waitForReadyz: /readyz asked every 200 ms of the injected clock until it passes, or 30 s. */
import assert from "node:assert/strict"
import { Writable } from "node:stream"
import { describe, test } from "node:test"
import { createLogger, FakeClock, realClock, silentLogger } from "../util/index.ts"
import { waitForReadyz } from "./wait-readyz.ts"
import type { ApiRequest, ApiResponse } from "./http.ts"
import { memoryApiServer } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"

/** A /readyz that fails `failures` times, then passes; counts the requests, each the server's own. */
function readyz(failures: number) {
  const state = { calls: 0 }
  const fetch = async (req: ApiRequest): Promise<ApiResponse> => {
    assert.equal(req.path, "/readyz")
    assert.equal(req.user?.name, "system:apiserver", "asked as the server's loopback identity")
    state.calls++
    return state.calls > failures
      ? { status: 200, headers: {}, body: "ok" }
      : { status: 500, headers: {}, body: "[+]ping ok\n[-]autoregister-completion failed: reason withheld\n" }
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

describe("waitForReadyz() of a server that refuses everyone else", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a), { authorizationModes: ["AlwaysDeny"], allowAnonymous: false })

  test("asks /readyz as the server's own privileged identity", async () => {
    // An unauthenticated /readyz is refused here, so asking anonymously would wait it out.
    assert.equal((await api.fetch(new Request("https://k8ts/readyz"))).status, 401)
    const log = silentLogger()
    const signal = new AbortController().signal
    // Real time: a timeout long enough for a loaded machine (it passes at once when it works).
    assert.equal(await waitForReadyz(api.handle, { clock: realClock, log, signal, timeoutMs: 10_000 }), true)
  })
})

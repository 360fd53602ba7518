import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { FakeClock } from "../util/index.ts"
import { ExponentialBackoff, RateLimitingQueue } from "./workqueue.ts"

/** Takes every key that is ready now, without waiting. */
async function drain(q: RateLimitingQueue): Promise<string[]> {
  const out: string[] = []
  while (q.len() > 0) out.push((await q.next()) as string)
  return out
}

describe("RateLimitingQueue", () => {
  test("add() collapses duplicates and keeps first-add order", async () => {
    const q = new RateLimitingQueue()
    for (const k of ["a", "b", "a", "c", "b"]) q.add(k)
    assert.equal(q.len(), 3)
    assert.deepEqual(await drain(q), ["a", "b", "c"])
  })

  test("next() never hands out a key that is being processed", async () => {
    const q = new RateLimitingQueue()
    q.add("a")
    assert.equal(await q.next(), "a")
    q.add("a")
    assert.equal(q.len(), 0, "re-added while processing: held back")
    q.add("b")
    assert.equal(await q.next(), "b")
    q.done("a")
    assert.equal(q.len(), 1, "queued again once done")
    assert.equal(await q.next(), "a")
  })

  test("done() of a key not re-added does not queue it", async () => {
    const q = new RateLimitingQueue()
    q.add("a")
    await q.next()
    q.done("a")
    assert.equal(q.len(), 0)
  })

  test("next() waits for a key, and waiters are served in order", async () => {
    const q = new RateLimitingQueue()
    const first = q.next()
    const second = q.next()
    q.add("a")
    q.add("b")
    assert.deepEqual(await Promise.all([first, second]), ["a", "b"])
  })

  test("next() resolves undefined when its signal aborts", async () => {
    const q = new RateLimitingQueue()
    const ac = new AbortController()
    const waiting = q.next(ac.signal)
    ac.abort()
    assert.equal(await waiting, undefined)
    q.add("a")
    assert.equal(await q.next(), "a", "the aborted waiter took nothing")
  })

  test("shutDown() hands out what is queued, then ends every next()", async () => {
    const q = new RateLimitingQueue()
    const idle = q.next()
    q.add("a")
    assert.equal(await idle, "a")
    q.add("b")
    const waiting = [q.next(), q.next()]
    q.shutDown()
    assert.deepEqual(await Promise.all(waiting), ["b", undefined])
    q.add("c")
    assert.equal(await q.next(), undefined, "adds after shutdown are ignored")
  })

  test("addAfter() queues keys when the clock reaches them, earliest first", async () => {
    const clock = new FakeClock()
    const q = new RateLimitingQueue({ clock })
    q.addAfter("late", 30)
    q.addAfter("early", 10)
    q.addAfter("now", 0)
    assert.deepEqual(await drain(q), ["now"])
    await clock.advance(10)
    assert.deepEqual(await drain(q), ["early"])
    await clock.advance(19)
    assert.equal(q.len(), 0)
    await clock.advance(1)
    assert.deepEqual(await drain(q), ["late"])
  })

  test("addAfter() of a waiting key keeps the earlier time", async () => {
    const clock = new FakeClock()
    const q = new RateLimitingQueue({ clock })
    q.addAfter("a", 100)
    q.addAfter("a", 10)
    q.addAfter("a", 50)
    assert.equal(q.stats().delayed, 1)
    await clock.advance(10)
    assert.deepEqual(await drain(q), ["a"])
    q.done("a")
    await clock.advance(100)
    assert.equal(q.len(), 0, "the replaced timers do not fire")
    assert.equal(clock.waiting, 0)
  })

  test("addRateLimited() backs off per key until forget()", async () => {
    const clock = new FakeClock()
    const q = new RateLimitingQueue({ clock })
    q.addRateLimited("a") // 5 ms
    await clock.advance(5)
    assert.deepEqual(await drain(q), ["a"])
    q.done("a")
    q.addRateLimited("a") // 10 ms
    await clock.advance(9)
    assert.equal(q.len(), 0)
    await clock.advance(1)
    assert.deepEqual(await drain(q), ["a"])
    q.done("a")
    assert.equal(q.retries("a"), 2)
    q.forget("a")
    q.addRateLimited("a") // 5 ms again
    await clock.advance(5)
    assert.deepEqual(await drain(q), ["a"])
    assert.equal(q.stats().retries, 3)
  })

  test("shutDown() cancels delayed keys", async () => {
    const clock = new FakeClock()
    const q = new RateLimitingQueue({ clock })
    q.addAfter("a", 10)
    q.shutDown()
    await clock.advance(10)
    assert.equal(q.len(), 0)
    assert.equal(clock.waiting, 0)
  })

  test("stats() counts depth, processing, delayed, adds and retries", async () => {
    const clock = new FakeClock()
    const q = new RateLimitingQueue({ clock })
    q.add("a")
    q.add("b")
    await q.next()
    q.addRateLimited("c")
    assert.deepEqual(q.stats(), { depth: 1, processing: 1, delayed: 1, adds: 2, retries: 1 })
  })
})

describe("ExponentialBackoff", () => {
  test("when() doubles from 5 ms and caps at 1000 s, like client-go", () => {
    const b = new ExponentialBackoff()
    const delays = Array.from({ length: 30 }, () => b.when("k"))
    assert.deepEqual(delays.slice(0, 5), [5, 10, 20, 40, 80])
    assert.equal(delays[17], 5 * 2 ** 17)
    assert.equal(delays[18], 1_000_000, "5 ms * 2^18 is past the cap")
    assert.equal(delays[29], 1_000_000)
    assert.equal(b.when("other"), 5, "per key")
  })

  test("forget() starts the key over", () => {
    const b = new ExponentialBackoff()
    b.when("k")
    b.when("k")
    b.forget("k")
    assert.equal(b.retries("k"), 0)
    assert.equal(b.when("k"), 5)
  })

  test("constructor rejects a cap below the base", () => {
    assert.throws(() => new ExponentialBackoff(10, 5), RangeError)
  })
})

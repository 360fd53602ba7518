/** The Store conformance suite: every backend runs it unchanged (kine's per-backend scripts). */
import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionConflictError } from "./errors.ts"
import type { Store, StoreEvent } from "./store.ts"

/** Collects `n` events from a watch, failing after `ms`. */
async function take(iter: AsyncIterable<StoreEvent>, n: number, ms = 5000): Promise<StoreEvent[]> {
  const out: StoreEvent[] = []
  if (n === 0) return out
  const it = iter[Symbol.asyncIterator]()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${out.length}/${n} events`)), ms)
  })
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout])
      if (r.done) break
      out.push(r.value)
    }
  } finally {
    clearTimeout(timer)
  }
  return out
}

/** Runs the Store contract against a backend. `newStore` returns a fresh, empty store each time. */
export function describeStore(name: string, newStore: () => Promise<Store>): void {
  describe(`${name} conforms to Store`, () => {
    let store: Store
    let n = 0
    // Each test uses its own prefix so one store serves the suite (an etcd server is shared).
    const p = () => `/t${++n}-${Math.random().toString(36).slice(2, 8)}/`
    before(async () => {
      store = await newStore()
    })
    after(async () => {
      await store.close()
    })

    test("create() then get() returns the value at a new revision", async () => {
      const k = p() + "a"
      const before = await store.revision()
      const e = await store.create(k, "v1")
      assert.equal(e.key, k)
      assert.equal(e.value, "v1")
      assert.ok(e.revision > before)
      assert.equal(e.createRevision, e.revision)
      assert.deepEqual(await store.get(k), e)
      assert.equal(await store.revision(), e.revision)
    })

    test("get() of a missing key returns undefined", async () => {
      assert.equal(await store.get(p() + "missing"), undefined)
    })

    test("create() of an existing key throws KeyExistsError and writes nothing", async () => {
      const k = p() + "a"
      const e = await store.create(k, "v1")
      await assert.rejects(store.create(k, "v2"), KeyExistsError)
      assert.deepEqual(await store.get(k), e)
    })

    test("update() with the current revision replaces the value", async () => {
      const k = p() + "a"
      const e1 = await store.create(k, "v1")
      const e2 = await store.update(k, "v2", e1.revision)
      assert.ok(e2.revision > e1.revision)
      assert.equal(e2.createRevision, e1.revision)
      assert.equal((await store.get(k))?.value, "v2")
    })

    test("update() with a stale revision throws RevisionConflictError carrying the current entry", async () => {
      const k = p() + "a"
      const e1 = await store.create(k, "v1")
      const e2 = await store.update(k, "v2", e1.revision)
      const err = await store.update(k, "v3", e1.revision).catch((e: unknown) => e)
      assert.ok(err instanceof RevisionConflictError)
      assert.equal(err.current.revision, e2.revision)
      assert.equal(err.current.value, "v2")
      assert.equal((await store.get(k))?.value, "v2")
    })

    test("update() and delete() of a missing key throw KeyNotFoundError", async () => {
      await assert.rejects(store.update(p() + "x", "v", 1), KeyNotFoundError)
      await assert.rejects(store.delete(p() + "x"), KeyNotFoundError)
    })

    test("delete() returns the deleted value at the delete's revision", async () => {
      const k = p() + "a"
      const e1 = await store.create(k, "v1")
      const d = await store.delete(k)
      assert.equal(d.value, "v1")
      assert.ok(d.revision > e1.revision)
      assert.equal(await store.get(k), undefined)
      assert.equal(await store.revision(), d.revision)
    })

    test("delete() with a stale expected revision throws RevisionConflictError", async () => {
      const k = p() + "a"
      const e1 = await store.create(k, "v1")
      await store.update(k, "v2", e1.revision)
      await assert.rejects(store.delete(k, e1.revision), RevisionConflictError)
      assert.equal((await store.get(k))?.value, "v2")
    })

    test("a key can be created again after delete() with a new createRevision", async () => {
      const k = p() + "a"
      await store.create(k, "v1")
      await store.delete(k)
      const e = await store.create(k, "v2")
      assert.equal(e.createRevision, e.revision)
    })

    test("list() returns live keys under the prefix in key order", async () => {
      const pre = p()
      await store.create(pre + "b", "2")
      await store.create(pre + "a", "1")
      await store.create(pre + "c", "3")
      await store.delete(pre + "c")
      await store.create(pre.slice(0, -1) + "x/other", "no")
      const r = await store.list(pre)
      assert.deepEqual(
        r.entries.map((e) => [e.key, e.value]),
        [
          [pre + "a", "1"],
          [pre + "b", "2"],
        ],
      )
      assert.equal(r.revision, await store.revision())
      assert.equal(r.more, false)
    })

    test("list() pages with limit and after, counting what remains", async () => {
      const pre = p()
      for (const k of ["a", "b", "c", "d", "e"]) await store.create(pre + k, k)
      const r1 = await store.list(pre, { limit: 2 })
      assert.deepEqual(
        r1.entries.map((e) => e.value),
        ["a", "b"],
      )
      assert.equal(r1.more, true)
      assert.equal(r1.remaining, 3)
      const r2 = await store.list(pre, { limit: 2, after: pre + "b", revision: r1.revision })
      assert.deepEqual(
        r2.entries.map((e) => e.value),
        ["c", "d"],
      )
      const r3 = await store.list(pre, { limit: 2, after: pre + "d", revision: r1.revision })
      assert.deepEqual(
        r3.entries.map((e) => e.value),
        ["e"],
      )
      assert.equal(r3.more, false)
      assert.equal(r3.remaining, 0)
    })

    test("list() at a past revision shows the keys as they were", async () => {
      const pre = p()
      const a1 = await store.create(pre + "a", "a1")
      await store.create(pre + "b", "b1")
      const mid = await store.revision()
      await store.update(pre + "a", "a2", a1.revision)
      await store.delete(pre + "b")
      await store.create(pre + "c", "c1")
      const then = await store.list(pre, { revision: mid })
      assert.equal(then.revision, mid)
      assert.deepEqual(
        then.entries.map((e) => [e.key, e.value]),
        [
          [pre + "a", "a1"],
          [pre + "b", "b1"],
        ],
      )
      const now = await store.list(pre)
      assert.deepEqual(
        now.entries.map((e) => e.value),
        ["a2", "c1"],
      )
    })

    test("concurrent writes get distinct, increasing revisions and only one CAS wins", async () => {
      const pre = p()
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.create(pre + i, String(i))),
      )
      const revs = created.map((e) => e.revision).sort((a, b) => a - b)
      assert.equal(new Set(revs).size, 50)
      const k = pre + "0"
      const base = created[0]!.revision
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.update(k, `w${i}`, base)),
      )
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1)
      for (const r of results)
        if (r.status === "rejected") assert.ok(r.reason instanceof RevisionConflictError)
    })

    test("watch() replays history after the revision, then follows live changes", async () => {
      const pre = p()
      const start = await store.revision()
      const a = await store.create(pre + "a", "1")
      const a2 = await store.update(pre + "a", "2", a.revision)
      const ac = new AbortController()
      const w = store.watch(pre, start, ac.signal)
      const firstTwo = take(w, 4)
      await new Promise((r) => setTimeout(r, 20))
      await store.create(pre.slice(0, -1) + "-not-mine", "x")
      const d = await store.delete(pre + "a")
      await store.create(pre + "b", "3")
      const evs = await firstTwo
      ac.abort()
      assert.deepEqual(
        evs.map((e) => [e.type, e.entry.key, e.entry.value, e.entry.revision]),
        [
          ["put", pre + "a", "1", a.revision],
          ["put", pre + "a", "2", a2.revision],
          ["delete", pre + "a", "2", d.revision],
          ["put", pre + "b", "3", d.revision + 1],
        ],
      )
      assert.equal(evs[0]!.prev, undefined)
      assert.equal(evs[1]!.prev?.value, "1")
      assert.equal(evs[2]!.prev?.value, "2")
    })

    test("watch() from the current revision sees only later changes, in revision order", async () => {
      const pre = p()
      await store.create(pre + "old", "x")
      const ac = new AbortController()
      const w = store.watch(pre, await store.revision(), ac.signal)
      const got = take(w, 20)
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(pre + "k" + i, String(i))))
      const evs = await got
      ac.abort()
      assert.equal(evs.length, 20)
      const revs = evs.map((e) => e.entry.revision)
      assert.deepEqual(
        revs,
        [...revs].sort((x, y) => x - y),
      )
      assert.ok(!evs.some((e) => e.entry.key.endsWith("old")))
    })

    test("watch() ends when its signal aborts", async () => {
      const ac = new AbortController()
      const w = store.watch(p(), await store.revision(), ac.signal)
      const it = w[Symbol.asyncIterator]()
      const next = it.next()
      ac.abort()
      const r = await next
      assert.equal(r.done, true)
    })

    test("compact() makes older revisions unreadable but keeps the latest values", async () => {
      const pre = p()
      const a = await store.create(pre + "a", "1")
      const a2 = await store.update(pre + "a", "2", a.revision)
      await store.create(pre + "b", "b")
      await store.delete(pre + "b")
      const c = await store.create(pre + "c", "c")
      await store.compact(c.revision)
      assert.ok((await store.compactedRevision()) >= c.revision)
      assert.equal((await store.get(pre + "a"))?.revision, a2.revision)
      await assert.rejects(store.list(pre, { revision: a.revision }), CompactedError)
      const ac = new AbortController()
      await assert.rejects(take(store.watch(pre, a.revision, ac.signal), 1), CompactedError)
      ac.abort()
      const live = await store.list(pre, { revision: c.revision })
      assert.deepEqual(
        live.entries.map((e) => e.value),
        ["2", "c"],
      )
      // A watch from the compacted revision still sees what follows it.
      const ac2 = new AbortController()
      const w = take(store.watch(pre, c.revision, ac2.signal), 1)
      await store.update(pre + "a", "3", a2.revision)
      const [ev] = await w
      ac2.abort()
      assert.equal(ev?.entry.value, "3")
      assert.equal(ev?.prev?.value, "2")
    })

    test("values round-trip unchanged, including unicode and large payloads", async () => {
      const pre = p()
      const big = JSON.stringify({ data: "x".repeat(256 * 1024), u: "ü✓ 🚀" })
      await store.create(pre + "big", big)
      assert.equal((await store.get(pre + "big"))?.value, big)
    })

    test("the values an update, a conflict and a delete hand back round-trip unchanged too", async () => {
      const pre = p()
      const ac = new AbortController()
      const v1 = JSON.stringify({ data: "ü".repeat(700 * 1024), n: 1 }) // 1.4 MB of UTF-8
      const v2 = JSON.stringify({ data: "🚀".repeat(300 * 1024), n: 2 })
      const e1 = await store.create(pre + "k", v1)
      const events = store.watch(pre, e1.revision, ac.signal)[Symbol.asyncIterator]()
      const e2 = await store.update(pre + "k", v2, e1.revision)
      const stale = await store.update(pre + "k", "x", e1.revision).catch((err: unknown) => err)
      assert.ok(stale instanceof RevisionConflictError)
      assert.equal(stale.current.value, v2)
      const deleted = await store.delete(pre + "k", e2.revision)
      assert.equal(deleted.value, v2)
      const put = await events.next()
      assert.equal(put.value?.entry.value, v2)
      assert.equal(put.value?.prev?.value, v1)
      const del = await events.next()
      assert.equal(del.value?.type, "delete")
      assert.equal(del.value?.prev?.value, v2)
      ac.abort()
    })
  })
}

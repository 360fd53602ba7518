import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError, type ApiObject, type List, type WatchEvent } from "../api/index.ts"
import { settleUntil } from "../testing/index.ts"
import { AsyncQueue, deepFreeze, FakeClock } from "../util/index.ts"
import type { ListOptions, WatchOptions } from "./client.ts"
import { type ListerWatcher, ListWatchInformer, stripManagedFields } from "./informer.ts"

function cm(name: string, rv: number, data = "v"): ApiObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default", resourceVersion: String(rv) },
    data: { k: data },
  }
}

function list(rv: number, items: ApiObject[], cont?: string): List {
  return {
    apiVersion: "v1",
    kind: "ConfigMapList",
    metadata: { resourceVersion: String(rv), ...(cont ? { continue: cont } : {}) },
    items,
  }
}

/** A scripted ListerWatcher: lists answer from `lists` in turn; each watch is a queue the test feeds. */
class FakeListerWatcher implements ListerWatcher<ApiObject> {
  readonly lists: (List | Error)[] = []
  readonly listCalls: ListOptions[] = []
  readonly watchCalls: WatchOptions[] = []
  readonly streams: AsyncQueue<WatchEvent>[] = []

  async list(opts: ListOptions): Promise<List> {
    this.listCalls.push(opts)
    const next = this.lists.shift()
    if (!next) throw new Error("no list scripted")
    if (next instanceof Error) throw next
    return next
  }

  watch(opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent> {
    this.watchCalls.push(opts)
    const q = new AsyncQueue<WatchEvent>()
    if (signal.aborted) q.close()
    else signal.addEventListener("abort", () => q.close(), { once: true })
    this.streams.push(q)
    return q
  }

  /** The newest watch stream. */
  get stream(): AsyncQueue<WatchEvent> {
    return this.streams.at(-1) as AsyncQueue<WatchEvent>
  }
}

function start(lw: FakeListerWatcher, clock = new FakeClock()) {
  const informer = new ListWatchInformer(lw, { clock, namespace: "default" })
  const seen: string[] = []
  informer.addHandler({
    onAdd: (o) => seen.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    onUpdate: (old, o) =>
      seen.push(
        `update ${o.metadata?.name}@${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`,
      ),
    onDelete: (o) => seen.push(`delete ${o.metadata?.name}`),
  })
  const ac = new AbortController()
  const running = informer.run(ac.signal)
  return { informer, seen, ac, running, clock }
}

describe("ListWatchInformer", () => {
  test("run() lists, syncs, then watches from the list's resourceVersion with bookmarks", async () => {
    const lw = new FakeListerWatcher()
    lw.lists.push(list(10, [cm("a", 5), cm("b", 7)]))
    const { informer, seen, ac, running } = start(lw)
    assert.equal(await informer.waitForSync(ac.signal), true)
    assert.ok(informer.hasSynced())
    assert.deepEqual(seen, ["add a@5", "add b@7"])
    await settleUntil(() => lw.watchCalls.length === 1, "the watch")
    assert.equal(lw.listCalls[0]?.namespace, "default")
    assert.equal(lw.watchCalls[0]?.resourceVersion, "10")
    assert.equal(lw.watchCalls[0]?.allowWatchBookmarks, true)
    ac.abort()
    await running
  })

  test("handlers run after the cache holds each change, in order", async () => {
    const lw = new FakeListerWatcher()
    lw.lists.push(list(10, [cm("a", 5)]))
    const { informer, ac, running } = start(lw)
    const observed: string[] = []
    informer.addHandler({
      onAdd: (o) =>
        observed.push(`add ${informer.cache.get("default/" + o.metadata?.name)?.metadata?.resourceVersion}`),
      onUpdate: (_old, o) =>
        observed.push(
          `update ${(informer.cache.get("default/" + o.metadata?.name)?.data as { k: string }).k}`,
        ),
      onDelete: (o) =>
        observed.push(`delete ${informer.cache.get("default/" + o.metadata?.name) === undefined}`),
    })
    await settleUntil(() => lw.watchCalls.length === 1, "the watch")
    lw.stream.push({ type: "ADDED", object: cm("b", 11) })
    lw.stream.push({ type: "MODIFIED", object: cm("b", 12, "x") })
    lw.stream.push({ type: "DELETED", object: cm("b", 13, "x") })
    await settleUntil(() => observed.length === 4, "four events")
    assert.deepEqual(observed, ["add 5", "add 11", "update x", "delete true"])
    ac.abort()
    await running
  })

  test("a watch that ends reconnects from the last resourceVersion seen, bookmarks included", async () => {
    const lw = new FakeListerWatcher()
    lw.lists.push(list(10, []))
    const { seen, ac, running } = start(lw)
    await settleUntil(() => lw.watchCalls.length === 1, "the watch")
    lw.stream.push({ type: "ADDED", object: cm("a", 11) })
    lw.stream.push({
      type: "BOOKMARK",
      object: { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: "15" } },
    })
    lw.stream.close()
    await settleUntil(() => lw.watchCalls.length === 2, "the second watch")
    assert.equal(lw.watchCalls[1]?.resourceVersion, "15")
    assert.equal(lw.listCalls.length, 1, "no relist")
    assert.deepEqual(seen, ["add a@11"])
    ac.abort()
    await running
  })

  test("an Expired watch relists and reports only the differences", async () => {
    const lw = new FakeListerWatcher()
    lw.lists.push(list(10, [cm("same", 5), cm("changed", 6), cm("gone", 7)]))
    lw.lists.push(list(20, [cm("same", 5), cm("changed", 18), cm("new", 19)]))
    const { informer, seen, ac, running } = start(lw)
    await settleUntil(() => lw.watchCalls.length === 1, "the watch")
    seen.length = 0
    lw.stream.fail(new ApiError("Expired", "too old resource version: 10 (15)"))
    await settleUntil(() => lw.watchCalls.length === 2, "the watch after the relist")
    assert.equal(lw.listCalls.length, 2)
    assert.equal(lw.watchCalls[1]?.resourceVersion, "20")
    assert.deepEqual(seen, ["update changed@6->18", "add new@19", "delete gone"])
    assert.deepEqual(informer.cache.keys().sort(), ["default/changed", "default/new", "default/same"])
    ac.abort()
    await running
  })

  test("a Gone watch relists too", async () => {
    const lw = new FakeListerWatcher()
    lw.lists.push(list(10, []), list(30, []))
    const { ac, running } = start(lw)
    await settleUntil(() => lw.watchCalls.length === 1, "the watch")
    lw.stream.fail(new ApiError("Gone", "gone"))
    await settleUntil(() => lw.watchCalls.length === 2, "the second watch")
    assert.equal(lw.watchCalls[1]?.resourceVersion, "30")
    ac.abort()
    await running
  })

  test("failed lists back off on the clock, doubling from 800 ms", async () => {
    const lw = new FakeListerWatcher()
    lw.lists.push(new Error("connection refused"), new Error("connection refused"), list(10, [cm("a", 5)]))
    const { informer, ac, running, clock } = start(lw)
    await settleUntil(() => lw.listCalls.length === 1 && clock.waiting === 1, "the first backoff")
    await clock.advance(799)
    assert.equal(lw.listCalls.length, 1)
    await clock.advance(1)
    await settleUntil(() => lw.listCalls.length === 2 && clock.waiting === 1, "the second backoff")
    await clock.advance(1599)
    assert.equal(lw.listCalls.length, 2)
    await clock.advance(1)
    assert.equal(await informer.waitForSync(ac.signal), true)
    assert.equal(informer.cache.size, 1)
    ac.abort()
    await running
  })

  test("list() pages are joined and the first page's resourceVersion is watched from", async () => {
    const lw = new FakeListerWatcher()
    lw.lists.push(list(10, [cm("a", 5)], "page-2"), list(10, [cm("b", 6)]))
    const { informer, ac, running } = start(lw)
    await settleUntil(() => lw.watchCalls.length === 1, "the watch")
    assert.equal(lw.listCalls[1]?.continue, "page-2")
    assert.equal(informer.cache.size, 2)
    ac.abort()
    await running
  })

  test("addHandler() after sync replays the cache as adds; its remover stops events", async () => {
    const lw = new FakeListerWatcher()
    lw.lists.push(list(10, [cm("a", 5)]))
    const { informer, ac, running } = start(lw)
    await informer.waitForSync(ac.signal)
    const late: string[] = []
    const off = informer.addHandler({ onAdd: (o) => late.push(o.metadata?.name ?? "") })
    assert.deepEqual(late, ["a"])
    off()
    await settleUntil(() => lw.watchCalls.length === 1, "the watch")
    lw.stream.push({ type: "ADDED", object: cm("b", 11) })
    await settleUntil(() => informer.cache.size === 2, "b in the cache")
    assert.deepEqual(late, ["a"])
    ac.abort()
    await running
  })

  test("a throwing handler does not stop the others", async () => {
    const lw = new FakeListerWatcher()
    lw.lists.push(list(10, [cm("a", 5)]))
    const informer = new ListWatchInformer(lw, { clock: new FakeClock() })
    const seen: string[] = []
    informer.addHandler({
      onAdd: () => {
        throw new Error("boom")
      },
    })
    informer.addHandler({ onAdd: (o) => seen.push(o.metadata?.name ?? "") })
    const ac = new AbortController()
    const running = informer.run(ac.signal)
    await informer.waitForSync(ac.signal)
    assert.deepEqual(seen, ["a"])
    ac.abort()
    await running
  })

  test("a transform shapes what the cache and handlers get from lists and watches, not the events", async () => {
    const withFields = (o: ApiObject): ApiObject => ({
      ...o,
      metadata: { ...o.metadata, managedFields: [{ manager: "m", operation: "Update" }] },
    })
    const lw = new FakeListerWatcher()
    lw.lists.push(list(10, [withFields(cm("a", 5))]))
    const informer = new ListWatchInformer(lw, { transform: stripManagedFields })
    const got: ApiObject[] = []
    informer.addHandler({
      onAdd: (o) => got.push(o),
      onUpdate: (_old, o) => got.push(o),
      onDelete: (o) => got.push(o),
    })
    const ac = new AbortController()
    const running = informer.run(ac.signal)
    await settleUntil(() => lw.watchCalls.length === 1, "the watch")
    const events: WatchEvent[] = [
      { type: "MODIFIED", object: withFields(cm("a", 11, "x")) },
      { type: "DELETED", object: withFields(cm("a", 12, "x")) },
    ]
    for (const ev of events) lw.stream.push(ev)
    await settleUntil(() => got.length === 3, "the add, update and delete")
    for (const o of got) {
      assert.equal(o.metadata?.managedFields, undefined)
      assert.ok(Object.isFrozen(o) && Object.isFrozen(o.metadata))
    }
    assert.deepEqual(
      got.map((o) => `${o.metadata?.resourceVersion} ${(o.data as { k: string }).k}`),
      ["5 v", "11 x", "12 x"],
    )
    // The events themselves (shared with other watchers in process) keep their managedFields.
    for (const ev of events) assert.equal(ev.object.metadata?.managedFields?.length, 1)
    ac.abort()
    await running
  })

  test("stripManagedFields() copies only an object that has managedFields", () => {
    const plain = cm("a", 1)
    assert.equal(stripManagedFields(plain), plain)
    const withFields = { ...plain, metadata: { ...plain.metadata, managedFields: [] } }
    const stripped = stripManagedFields(withFields)
    assert.deepEqual(stripped, plain)
    assert.equal((stripped as { data?: unknown }).data, plain.data)
    assert.deepEqual(withFields.metadata.managedFields, [])
  })

  test("stripManagedFields() gives every informer of a frozen object (a shared event's) one frozen copy", () => {
    const plain = cm("a", 1)
    const shared = deepFreeze({ ...plain, metadata: { ...plain.metadata, managedFields: [] } })
    const first = stripManagedFields(shared)
    assert.equal(stripManagedFields(shared), first)
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.metadata))
    assert.deepEqual(first, plain)
    // An object that is not frozen may change: each call copies it as it is then.
    const mutable = { ...plain, metadata: { ...plain.metadata, managedFields: [] } }
    assert.notEqual(stripManagedFields(mutable), stripManagedFields(mutable))
  })

  test("waitForSync() resolves false when its signal aborts first", async () => {
    const informer = new ListWatchInformer(new FakeListerWatcher())
    const ac = new AbortController()
    const waiting = informer.waitForSync(ac.signal)
    ac.abort()
    assert.equal(await waiting, false)
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { ApiObject } from "../api/index.ts"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock, silentLogger } from "../util/index.ts"
import { apiCall, readWatchEvents } from "../testing/index.ts"
import { filterFor, selectorsOf } from "./filter.ts"
import { objectBytes, setObjectJson, watchEventBytes } from "./output.ts"
import { createApiServer, type ApiServer } from "./server.ts"
import { visibleEvent } from "./watch.ts"
import { decode } from "./registry/context.ts"
import { type CacheEvent, ResourceCache, WatchCache } from "./watch-cache.ts"

const PREFIX = "/registry/configmaps/"
const CONFIG_MAPS = { group: "", version: "v1", kind: "ConfigMap", resource: "configmaps" } as never

/** A config map at `revision` whose JSON is recorded, as the registry records a write's. */
function cm(name: string, revision: number, labels: Record<string, string>): ApiObject {
  const obj = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "ns", labels, resourceVersion: String(revision) },
    data: { at: String(revision) },
  }
  setObjectJson(obj, JSON.stringify(obj))
  return obj
}

/** Writes `writes` versions of `keys` keys round-robin; returns every event as applied. */
function fill(rc: ResourceCache, keys: number, writes: number): CacheEvent[] {
  const applied: CacheEvent[] = []
  for (let rev = 1; rev <= writes; rev++) {
    const key = `${PREFIX}ns/k${rev % keys}`
    const prev = rc.objects.get(key)
    // Every third version of a key carries the label the filter selects.
    const obj = cm(`k${rev % keys}`, rev, { app: rev % 3 === 0 ? "x" : "y" })
    const ev: CacheEvent = {
      type: prev ? "MODIFIED" : "ADDED",
      key,
      object: obj,
      revision: rev,
      ...(prev ? { prev } : {}),
    }
    rc.apply(ev)
    applied.push(ev)
  }
  return applied
}

describe("ResourceCache window", () => {
  test("old events keep their objects as JSON and replay them equal to what was applied", () => {
    const rc = new ResourceCache(PREFIX)
    const applied = fill(rc, 50, 3000)
    const replay = rc.eventsAfter(0)
    assert.equal(replay.length, applied.length)
    const filter = filterFor(CONFIG_MAPS, "ns", selectorsOf(new URLSearchParams("labelSelector=app%3Dx")))
    const all = filterFor(CONFIG_MAPS, "ns", selectorsOf(new URLSearchParams()))
    for (let i = 0; i < applied.length; i++) {
      const want = applied[i] as CacheEvent
      const got = replay[i] as CacheEvent
      assert.equal(got.type, want.type)
      assert.equal(got.key, want.key)
      assert.equal(got.revision, want.revision)
      assert.deepEqual(got.object, want.object)
      assert.deepEqual(got.prev, want.prev)
      assert.deepEqual(visibleEvent(got, filter), visibleEvent(want, filter))
      assert.deepEqual(visibleEvent(got, all), visibleEvent(want, all))
    }
    // The recent events are the applied ones; older ones no longer hold superseded objects.
    assert.equal(replay[replay.length - 1], applied[applied.length - 1])
    assert.notEqual(replay[0]?.object, applied[0]?.object)
  })

  test("an old event's object is the cache's while it is current; a revived one keeps its JSON", () => {
    const rc = new ResourceCache(PREFIX)
    fill(rc, 5000, 3000) // every key written once: each object is still current
    const first = rc.eventsAfter(0)[0] as CacheEvent
    assert.equal(first.object, rc.objects.get(first.key))

    const rc2 = new ResourceCache(PREFIX)
    const applied = fill(rc2, 10, 3000)
    const old = rc2.eventsAfter(0)[0] as CacheEvent
    const revived = old.object
    assert.notEqual(revived, applied[0]?.object)
    assert.equal(objectBytes(revived).toString(), JSON.stringify(applied[0]?.object))
  })

  test("reset drops the window", () => {
    const rc = new ResourceCache(PREFIX)
    fill(rc, 10, 1500)
    rc.reset(1500)
    assert.equal(rc.eventsAfter(1500).length, 0)
    assert.equal(rc.objects.size, 0)
  })
})

describe("watch event lines", () => {
  test("an object's bytes are a view into its first event line", () => {
    const obj = cm("a", 7, {})
    const line = watchEventBytes("ADDED", obj)
    assert.equal(line.toString(), `{"type":"ADDED","object":${JSON.stringify(obj)}}\n`)
    assert.equal(watchEventBytes("ADDED", obj), line, "shared among watchers")
    const bytes = objectBytes(obj)
    assert.equal(bytes.toString(), JSON.stringify(obj))
    assert.equal(bytes.buffer, line.buffer)
    assert.equal(
      watchEventBytes("DELETED", obj).toString(),
      `{"type":"DELETED","object":${JSON.stringify(obj)}}\n`,
    )
  })

  test("a multi-byte object's line and bytes stay whole", () => {
    const obj = cm("b", 8, { note: "grüße" })
    const line = watchEventBytes("MODIFIED", obj)
    assert.deepEqual(JSON.parse(line.toString()), { type: "MODIFIED", object: obj })
    assert.deepEqual(JSON.parse(objectBytes(obj).toString()), obj)
  })
})

describe("watches replayed from the aged part of the window", () => {
  let api: ApiServer
  const ac = new AbortController()

  before(async () => {
    api = createApiServer({ store: new MemoryStore(), clock: new FakeClock(Date.UTC(2026, 10, 30)) })
    void api.run(ac.signal)
    await api.ready()
  })
  after(() => ac.abort())

  const readEvents = (path: string, n: number) => readWatchEvents(api, path, n)

  test("a label-filtered watch from an old revision sees the same transitions", async () => {
    const path = "/api/v1/namespaces/default/configmaps"
    const c = await apiCall(api, "POST", path, { metadata: { name: "old", labels: { app: "x" } } })
    const from = c.json.metadata.resourceVersion as string
    const patch = (app: string) =>
      apiCall(
        api,
        "PATCH",
        `${path}/old`,
        { metadata: { labels: { app } } },
        {
          "content-type": "application/merge-patch+json",
        },
      )
    // Stops matching: DELETED, carrying the object as it was (it matched) at the patch's version.
    const unmatched = (await patch("y")).json.metadata.resourceVersion as string
    await patch("x") // matches again: ADDED
    // Enough other writes that the three above are past the window's recent part.
    for (let i = 0; i < 1100; i++) await apiCall(api, "POST", path, { metadata: { name: `f-${i}` } })
    await new Promise((r) => setTimeout(r, 20))
    const evs = await readEvents(`${path}?watch=true&labelSelector=app%3Dx&resourceVersion=${from}`, 2)
    assert.deepEqual(
      evs.map((e) => [e.type, e.object.metadata.name, e.object.metadata.labels.app]),
      [
        ["DELETED", "old", "x"],
        ["ADDED", "old", "x"],
      ],
    )
    assert.equal(evs[0]?.object.metadata.resourceVersion, unmatched)
    const all = await readEvents(`${path}?watch=true&resourceVersion=${from}`, 3)
    assert.deepEqual(
      all.map((e) => [e.type, e.object.metadata.name]),
      [
        ["MODIFIED", "old"],
        ["MODIFIED", "old"],
        ["ADDED", "f-0"],
      ],
    )
  })
})

describe("WatchCache following the store", () => {
  test("applies the events of one commit together, in the turn the first one arrives", async () => {
    const store = new MemoryStore()
    const cache = new WatchCache(store, (value, revision) => decode(value, revision), silentLogger())
    const configMaps = cache.resource(PREFIX)
    const ac = new AbortController()
    const running = cache.run(ac.signal)
    await cache.ready()
    // Three writes published in one turn, as a group commit publishes its batch.
    const writes = ["a", "b", "c"].map((n) =>
      store.create(`${PREFIX}ns/${n}`, JSON.stringify({ metadata: { name: n, namespace: "ns" } })),
    )
    await Promise.resolve() // one turn: the cache's, woken by the first event, runs before it
    assert.equal(cache.revision, 3)
    await Promise.all(writes)
    assert.deepEqual(
      [...configMaps.objects.keys()],
      ["a", "b", "c"].map((n) => `${PREFIX}ns/${n}`),
    )
    // Later writes still arrive, each applied once.
    await store.create(`${PREFIX}ns/d`, JSON.stringify({ metadata: { name: "d", namespace: "ns" } }))
    assert.equal(await cache.waitFor(4, 1000), true)
    assert.equal(configMaps.objects.size, 4)
    assert.deepEqual(
      configMaps.eventsAfter(0).map((e) => [e.type, e.revision]),
      [
        ["ADDED", 1],
        ["ADDED", 2],
        ["ADDED", 3],
        ["ADDED", 4],
      ],
    )
    ac.abort()
    await running
    await store.close()
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { ApiObject } from "../api/index.ts"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock, silentLogger } from "../util/index.ts"
import { apiCall, readWatchEvents } from "../testing/index.ts"
import { CacheObjects, PackedObject, entriesUnder } from "./cache-objects.ts"
import { objectBytes } from "./output.ts"
import { createApiServer, type ApiServer } from "./server.ts"
import { decode } from "./registry/context.ts"
import { type ResourceCache, WatchCache } from "./watch-cache.ts"

const cm = (name: string, labels: Record<string, string>): ApiObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", labels, resourceVersion: "7" },
  data: { grüße: "ü" },
})

describe("CacheObjects", () => {
  test("a packed object reads as a fresh parse of its JSON, which encodes it", () => {
    const objects = new CacheObjects()
    const a = cm("a", { app: "x" })
    objects.set("k/a", a).set("k/b", cm("b", {}))
    const json = Buffer.from(JSON.stringify(a))
    objects.pack("k/a", a, json)
    const kept = objects.raw("k/a")
    assert.ok(kept instanceof PackedObject)
    assert.deepEqual(kept.metadata, { name: "a", namespace: "ns", labels: { app: "x" } })
    const first = objects.get("k/a")
    assert.deepEqual(first, a)
    assert.notEqual(objects.get("k/a"), first, "each read parses again: nobody shares a packed object")
    assert.equal(objectBytes(first as ApiObject), json, "its JSON is the kept bytes")
    assert.deepEqual([...objects.values()], [a, objects.get("k/b")])
    assert.deepEqual(
      [...objects].map(([k, v]) => [k, v.metadata?.name]),
      [
        ["k/a", "a"],
        ["k/b", "b"],
      ],
    )
    const seen: string[] = []
    objects.forEach((v, k) => seen.push(`${k}=${v.metadata?.name}`))
    assert.deepEqual(seen, ["k/a=a", "k/b=b"])
  })

  test("entriesUnder reads only the objects under its prefix", () => {
    const objects = new CacheObjects()
    const a = cm("a", {})
    const b = cm("b", {})
    objects.set("ns1/a", a).set("ns2/b", b).set("ns1/c", cm("c", {}))
    // Not JSON: parsing it would throw.
    objects.pack("ns2/b", b, "{not json")
    assert.deepEqual(
      [...entriesUnder(objects, "ns1/")].map(([k]) => k),
      ["ns1/a", "ns1/c"],
    )
    objects.pack("ns1/a", a, JSON.stringify(a))
    assert.deepEqual([...entriesUnder(objects, "ns1/a")], [["ns1/a", a]])
  })

  test("an entry another write replaced meanwhile is not packed", () => {
    const objects = new CacheObjects()
    const old = cm("a", {})
    const current = cm("a", { v: "2" })
    objects.set("k/a", current)
    objects.pack("k/a", old, JSON.stringify(old))
    assert.equal(objects.raw("k/a"), current)
  })
})

describe("a large cache keeps objects nobody wrote lately as their JSON", () => {
  const COUNT = 2300
  const path = "/api/v1/namespaces/default/configmaps"
  let api: ApiServer
  let configMaps: ResourceCache | undefined
  const created = new Map<string, ApiObject>()
  const ac = new AbortController()
  const resource = WatchCache.prototype.resource

  before(async () => {
    WatchCache.prototype.resource = function (this: WatchCache, prefix: string) {
      const rc = resource.call(this, prefix)
      if (prefix === "/registry/configmaps/") configMaps = rc
      return rc
    }
    api = createApiServer({ store: new MemoryStore(), clock: new FakeClock(Date.UTC(2026, 11, 4)) })
    void api.run(ac.signal)
    await api.ready()
    for (let i = 0; i < COUNT; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, j) => {
          const name = `cm-${i + j}`
          const labels = { app: (i + j) % 2 ? "odd" : "even" }
          const res = await apiCall(api, "POST", path, { metadata: { name, labels }, data: { n: name } })
          assert.equal(res.status, 201, res.text)
          created.set(name, res.json as ApiObject)
        }),
      )
    }
    await new Promise((r) => setTimeout(r, 20))
  })
  after(() => {
    WatchCache.prototype.resource = resource
    ac.abort()
  })

  /** Names of the created config maps the cache keeps packed. */
  const packed = () =>
    [...created.keys()].filter(
      (n) => configMaps?.objects.raw(`/registry/configmaps/default/${n}`) instanceof PackedObject,
    )

  test("old objects are packed, the latest are not; reads give what was written", async () => {
    const names = packed()
    assert.ok(names.length >= 200, `packed: ${names.length}`)
    assert.ok(!names.includes(`cm-${COUNT - 1}`), "the latest write keeps its object")
    const name = names[0] as string
    const got = await apiCall(api, "GET", `${path}/${name}`)
    assert.equal(got.status, 200)
    assert.deepEqual(got.json, created.get(name))
    const yaml = await apiCall(api, "GET", `${path}/${name}`, undefined, { accept: "application/yaml" })
    assert.equal(yaml.status, 200)
    assert.match(yaml.text, new RegExp(`^  name: ${name}$`, "m"))
  })

  test("lists of packed objects: whole, by label, by field, in pages and as a Table", async () => {
    const sorted = [...created.keys()].sort()
    const all = await apiCall(api, "GET", path)
    const items = (all.json as { items: ApiObject[] }).items.filter((o) =>
      created.has(o.metadata?.name ?? ""),
    )
    assert.deepEqual(
      items,
      sorted.map((n) => created.get(n)),
    )
    const odd = await apiCall(api, "GET", `${path}?labelSelector=app%3Dodd`)
    assert.deepEqual(
      (odd.json as { items: ApiObject[] }).items,
      sorted.filter((n) => Number(n.slice(3)) % 2 === 1).map((n) => created.get(n)),
    )
    const name = packed()[1] as string
    const one = await apiCall(api, "GET", `${path}?fieldSelector=metadata.name%3D${name}`)
    assert.deepEqual((one.json as { items: ApiObject[] }).items, [created.get(name)])
    const both = await apiCall(
      api,
      "GET",
      `${path}?labelSelector=app%3Dodd&fieldSelector=metadata.name%3D${name}`,
    )
    const want = Number(name.slice(3)) % 2 === 1 ? [created.get(name)] : []
    assert.deepEqual((both.json as { items: ApiObject[] }).items, want)

    const initial = await readWatchEvents(
      api,
      `${path}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&fieldSelector=metadata.name%3D${name}`,
      2,
    )
    assert.deepEqual(
      initial.map((e) => e.type),
      ["ADDED", "BOOKMARK"],
    )
    assert.deepEqual(initial[0]?.object, created.get(name))

    const paged: string[] = []
    let cont = ""
    do {
      const page = await apiCall(
        api,
        "GET",
        `${path}?limit=700${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`,
      )
      const body = page.json as { items: ApiObject[]; metadata: { continue?: string } }
      paged.push(...body.items.map((o) => o.metadata?.name ?? ""))
      cont = body.metadata.continue ?? ""
    } while (cont)
    assert.deepEqual(
      paged.filter((n) => created.has(n)),
      sorted,
    )

    const table = await apiCall(api, "GET", `${path}?labelSelector=app%3Dodd`, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    })
    const rows = (table.json as { rows: { cells: unknown[] }[] }).rows
    assert.equal(rows.length, COUNT / 2)
    assert.equal(
      rows.some((r) => r.cells[0] === name),
      Number(name.slice(3)) % 2 === 1,
    )
  })

  test("writes to a packed object: a conflict, then an update that a label watch sees leave", async () => {
    const name = packed().find((n) => Number(n.slice(3)) % 2 === 1) as string
    const before = created.get(name) as ApiObject
    const stale = { ...before, metadata: { ...before.metadata, resourceVersion: "1" } }
    const conflict = await apiCall(api, "PUT", `${path}/${name}`, stale)
    assert.equal(conflict.status, 409)
    const changed = { ...before, metadata: { ...before.metadata, labels: { app: "even" } } }
    const res = await apiCall(api, "PUT", `${path}/${name}`, changed)
    assert.equal(res.status, 200, res.text)
    const rv = (res.json as ApiObject).metadata?.resourceVersion
    const from = before.metadata?.resourceVersion as string
    // From before the update: the watch replays the creates after it, then the update.
    const evs = await readWatchEvents(
      api,
      `${path}?watch=true&labelSelector=app%3Dodd&fieldSelector=metadata.name%3D${name}&resourceVersion=${from}`,
      1,
    )
    assert.deepEqual(
      evs.map((e) => [e.type, e.object.metadata.labels.app, e.object.metadata.resourceVersion]),
      [["DELETED", "odd", rv]],
    )
  })
})

describe("objects this server did not write are packed in a large cache too", () => {
  test("those a list loaded, and those another server wrote once they are past the recent events", async () => {
    const PREFIX = "/registry/configmaps/"
    const store = new MemoryStore()
    const value = (n: number) =>
      JSON.stringify({ kind: "ConfigMap", metadata: { name: `c${n}`, namespace: "ns" } })
    for (let n = 0; n < 2100; n++) await store.create(`${PREFIX}ns/c${n}`, value(n))
    const cache = new WatchCache(store, decode, silentLogger())
    const configMaps = cache.resource(PREFIX)
    const ac = new AbortController()
    const running = cache.run(ac.signal)
    await cache.ready()
    const key = `${PREFIX}ns/c7`
    assert.ok(configMaps.objects.raw(key) instanceof PackedObject)
    assert.deepEqual(configMaps.objects.get(key), decode(value(7), 8))

    // Another server's writes: parsed from the store's events, encoded when packed.
    for (let n = 2100; n < 2300; n++) await store.create(`${PREFIX}ns/c${n}`, value(n))
    assert.equal(await cache.waitFor(2300, 1000), true)
    assert.ok(configMaps.objects.raw(`${PREFIX}ns/c2100`) instanceof PackedObject)
    assert.deepEqual(configMaps.objects.get(`${PREFIX}ns/c2100`), decode(value(2100), 2101))
    assert.ok(!(configMaps.objects.raw(`${PREFIX}ns/c2299`) instanceof PackedObject), "a recent write")
    const replayed = configMaps.eventsAfter(2100)[0]
    assert.deepEqual(replayed?.object, decode(value(2100), 2101))
    ac.abort()
    await running
    await store.close()
  })
})

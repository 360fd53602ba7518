/**
 * The watch cache: one store watch on the whole registry feeds, per resource prefix, the live
 * objects and a window of recent events. Lists and watches are served from here, not by
 * rescanning the store; a watch from a revision older than the window is refused (410 Expired),
 * as upstream's watch cache refuses it, and the client lists again.
 */
import type { Store, StoreEvent } from "../storage/index.ts"
import { CompactedError } from "../storage/index.ts"
import type { ApiObject } from "../api/index.ts"
import { AsyncQueue, type Batched, type Logger } from "../util/index.ts"
import { knownObjectJson, objectBytes } from "./output.ts"
import { stampRevision } from "./registry/context.ts"
import { CacheObjects, PackedObject, revive } from "./cache-objects.ts"

/** One change as the cache keeps it. Objects are shared and must never be mutated. */
export interface CacheEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED"
  readonly key: string
  readonly object: ApiObject
  readonly prev?: ApiObject
  readonly revision: number
}

/** Turns a stored entry into an object (with its resourceVersion set). */
export type Decoder = (value: string, revision: number) => ApiObject

/** Events each resource's window keeps by default. */
export const WINDOW = 20_000
/**
 * The latest events keep their objects as they are; older ones keep a superseded object (a
 * `prev`, or an `object` a later write replaced) only as its JSON, parsed again by whoever replays
 * it: the window then holds one string or buffer for it instead of a whole object graph. Few: an
 * object still referenced when the young generation is next collected is copied, and then again
 * into the old one. The API bench's 25,000 creates (bench/_api-cpu.ts), with 1,000 recent events
 * and no packing: 390-460 ms of scavenges, ~35 us of collector threads' CPU per create; with 64
 * and packing: 210-265 ms, ~18 us.
 */
const RECENT = 64
/**
 * A resource with at least this many objects keeps those nothing wrote in its last RECENT events
 * as their JSON (see CacheObjects): smaller ones, read on every request (namespaces, admission's
 * configuration), keep their objects as they are.
 */
const PACK_MIN = 2000

/**
 * An event past the recent part of the window: its objects kept as their JSON (the same string or
 * buffer as their encoding, so nothing is copied), the object taken from the cache while current.
 */
class AgedEvent implements CacheEvent {
  readonly type: CacheEvent["type"]
  readonly key: string
  readonly revision: number
  readonly #objects: CacheObjects
  readonly #json: string | Buffer
  readonly #prevJson: string | Buffer | undefined

  constructor(
    ev: CacheEvent,
    objects: CacheObjects,
    json: string | Buffer,
    prevJson: string | Buffer | undefined,
  ) {
    this.type = ev.type
    this.key = ev.key
    this.revision = ev.revision
    this.#objects = objects
    this.#json = json
    this.#prevJson = prevJson
  }

  /** The cache's object while it is this event's (and kept as one), else a fresh parse on each read. */
  get object(): ApiObject {
    const cur = this.#objects.raw(this.key)
    if (
      !(cur instanceof PackedObject) &&
      cur?.metadata?.resourceVersion === String(this.revision) &&
      this.type !== "DELETED"
    )
      return cur
    return revive(this.#json)
  }

  get prev(): ApiObject | undefined {
    return this.#prevJson === undefined ? undefined : revive(this.#prevJson)
  }
}

/**
 * A live event whose previous object the cache kept packed: parsed once, when first read (a
 * watcher without selectors never reads it).
 */
class PackedPrevEvent implements CacheEvent {
  readonly type: CacheEvent["type"]
  readonly key: string
  readonly object: ApiObject
  readonly revision: number
  readonly packedPrev: PackedObject
  #prev: ApiObject | undefined

  constructor(
    type: CacheEvent["type"],
    key: string,
    object: ApiObject,
    revision: number,
    prev: PackedObject,
  ) {
    this.type = type
    this.key = key
    this.object = object
    this.revision = revision
    this.packedPrev = prev
  }

  get prev(): ApiObject {
    return (this.#prev ??= this.packedPrev.unpack())
  }
}

/** The objects and recent events under one storage prefix. */
export class ResourceCache {
  readonly prefix: string
  readonly objects = new CacheObjects()
  #sortedKeys: string[] | undefined
  /** The window is `#window` from index `#head` on (dropped events are cut off in bulk). */
  #window: CacheEvent[] = []
  #head = 0
  /** The window holds every event after this revision. */
  #windowStart = 0
  readonly #listeners = new Set<(ev: CacheEvent) => void>()
  readonly #size: number

  /**
   * `size`: how many events the window keeps; `from`: the revision the cache starts complete
   * from (a cache made after the first list saw nothing before it).
   */
  constructor(prefix: string, size = WINDOW, from = 0) {
    this.prefix = prefix
    this.#size = size
    this.#windowStart = from
  }

  /** Keys in order, recomputed only after keys were added or removed. */
  sortedKeys(): string[] {
    return (this.#sortedKeys ??= [...this.objects.keys()].sort())
  }

  /** The revision from which the window is complete. */
  get windowStart(): number {
    return this.#windowStart
  }

  /** Events after `revision` from the window (caller checks `revision >= windowStart`). */
  eventsAfter(revision: number): CacheEvent[] {
    let lo = this.#head
    let hi = this.#window.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#window[mid] as CacheEvent).revision <= revision) lo = mid + 1
      else hi = mid
    }
    return this.#window.slice(lo)
  }

  /** Subscribes to live events; returns the unsubscribe function. */
  subscribe(fn: (ev: CacheEvent) => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }

  /** Drops everything (before a relist) and ends every subscriber's stream via `onReset`. */
  reset(revision: number): void {
    this.objects.clear()
    this.#sortedKeys = undefined
    this.#window = []
    this.#head = 0
    this.#windowStart = revision
  }

  load(key: string, obj: ApiObject): void {
    this.objects.set(key, obj)
    this.#sortedKeys = undefined
  }

  /** After a list loaded it: a large cache keeps every object as its JSON (see PACK_MIN). */
  loaded(): void {
    if (this.objects.size < PACK_MIN) return
    for (const key of this.objects.keys()) {
      const obj = this.objects.raw(key)
      if (obj !== undefined && !(obj instanceof PackedObject)) this.objects.pack(key, obj, objectBytes(obj))
    }
  }

  apply(ev: CacheEvent): void {
    if (ev.type === "DELETED") {
      this.objects.delete(ev.key)
      this.#sortedKeys = undefined
    } else {
      if (!this.objects.has(ev.key)) this.#sortedKeys = undefined
      this.objects.set(ev.key, ev.object)
    }
    this.#window.push(ev)
    this.#age(this.#window.length - 1 - RECENT)
    if (this.#window.length - this.#head > this.#size) {
      this.#head++
      // As upstream counts it: complete from just before the oldest event kept.
      this.#windowStart = (this.#window[this.#head] as CacheEvent).revision - 1
      // Copy the array down only once as many events were dropped as it keeps.
      if (this.#head >= this.#size) {
        this.#window = this.#window.slice(this.#head)
        this.#head = 0
      }
    }
    for (const fn of this.#listeners) fn(ev)
  }

  /**
   * Keeps the objects of the window's event at `i` as their JSON, and, in a large cache, its
   * object too if still current (encoded for that if nothing did yet: another server's write).
   * An event whose objects nothing encoded yet otherwise stays as it is (encoding them here would
   * cost more than it keeps).
   */
  #age(i: number): void {
    const ev = this.#window[i]
    if (i < this.#head || ev === undefined || ev instanceof AgedEvent) return
    const pack =
      ev.type !== "DELETED" && this.objects.size >= PACK_MIN && this.objects.raw(ev.key) === ev.object
    const json = knownObjectJson(ev.object) ?? (pack ? objectBytes(ev.object) : undefined)
    if (json === undefined) return
    if (pack) this.objects.pack(ev.key, ev.object, json)
    let prevJson: string | Buffer | undefined
    if (ev instanceof PackedPrevEvent) prevJson = ev.packedPrev.json
    else if (ev.prev) {
      prevJson = knownObjectJson(ev.prev)
      if (prevJson === undefined) return
    }
    this.#window[i] = new AgedEvent(ev, this.objects, json, prevJson)
  }

  get listenerCount(): number {
    return this.#listeners.size
  }
}

const MAX_EXPECTED = 10_000

/**
 * A write announced to the cache (WatchCache.expect) until its event takes it. Taken or dropped,
 * it lets go of its value and object: an entry outlives its removal from the long-lived map for
 * the young generation's collector (the map's older tables still point to it until a full
 * collection), and one still holding them had them copied to the old generation with it
 * (in-process creates of the API bench's pod: 6.1-6.7 -> 3.6-4.0 KB promoted per create).
 */
interface Expected {
  value: string | undefined
  obj: ApiObject | undefined
}

/** Removes `key`'s entry from `expected`, emptied; returns the object it held. */
function takeExpected(expected: Map<string, Expected>, key: string): ApiObject | undefined {
  const e = expected.get(key)
  if (e === undefined) return undefined
  expected.delete(key)
  const obj = e.obj
  e.value = undefined
  e.obj = undefined
  return obj
}

/** Every ResourceCache, fed by one store watch. */
export class WatchCache {
  readonly #store: Store
  readonly #decode: Decoder
  readonly #log: Logger
  readonly #caches = new Map<string, ResourceCache>()
  #revision = 0
  #lists = 0
  #waiters: { revision: number; resolve: () => void }[] = []
  #ready: Promise<void>
  #markReady!: () => void
  readonly #resetListeners = new Set<() => void>()
  readonly #windowSize: number
  /** Objects the registry is writing, by key: taken instead of parsing their value back. */
  readonly #expected = new Map<string, Expected>()
  /**
   * The same for deletes, apart: a delete that first records its grace period announces that
   * write and the DELETED event after it before the cache has seen either.
   */
  readonly #expectedDeletes = new Map<string, Expected>()

  /** `windowSize`: the events each resource's window keeps (default WINDOW). */
  constructor(store: Store, decode: Decoder, log: Logger, windowSize = WINDOW) {
    this.#store = store
    this.#windowSize = windowSize
    this.#decode = decode
    this.#log = log
    this.#ready = new Promise((r) => (this.#markReady = r))
  }

  /** The last store revision the cache has applied. */
  get revision(): number {
    return this.#revision
  }

  /**
   * How many lists of the store the cache has loaded. Each replaces its objects without events,
   * at whatever revision the store is (the same one as before, when nothing was written).
   */
  get lists(): number {
    return this.#lists
  }

  /** Resolves once the first list has loaded. */
  ready(): Promise<void> {
    return this.#ready
  }

  /** The cache of one storage prefix (e.g. "/registry/pods/"). */
  resource(prefix: string): ResourceCache {
    let c = this.#caches.get(prefix)
    if (!c) {
      c = new ResourceCache(prefix, this.#windowSize, this.#revision)
      this.#caches.set(prefix, c)
    }
    return c
  }

  /** Called when the cache relists: every watch served from it must end. */
  onReset(fn: () => void): () => void {
    this.#resetListeners.add(fn)
    return () => this.#resetListeners.delete(fn)
  }

  #cacheFor(key: string): ResourceCache | undefined {
    // Keys are /registry/<resource>/... or /registry/<group>/<resource>/...; try the longer prefix
    // (up to the fourth "/") first, then the shorter (up to the third).
    const third = key.indexOf("/", key.indexOf("/", 1) + 1)
    if (third < 0) return this.#caches.get(`${key}/`)
    const fourth = key.indexOf("/", third + 1)
    const long = fourth < 0 ? `${key}/` : key.slice(0, fourth + 1)
    return this.#caches.get(long) ?? this.#caches.get(key.slice(0, third + 1))
  }

  /** Resolves when the cache has applied `revision` (or rejects on timeout/abort). */
  waitFor(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.#revision >= revision) return Promise.resolve(true)
    return new Promise((resolve) => {
      const w = {
        revision,
        resolve: () => {
          clearTimeout(timer) // no timer left pending for seconds after each wait
          resolve(true)
        },
      }
      this.#waiters.push(w)
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x !== w)
        resolve(this.#revision >= revision)
      }, timeoutMs).unref()
    })
  }

  #advance(revision: number): void {
    if (revision <= this.#revision) return
    this.#revision = revision
    if (this.#waiters.length === 0) return
    const due = this.#waiters.filter((w) => w.revision <= revision)
    this.#waiters = this.#waiters.filter((w) => w.revision > revision)
    for (const w of due) w.resolve()
  }

  async #list(): Promise<number> {
    const r = await this.#store.list("/registry/")
    for (const c of this.#caches.values()) c.reset(r.revision)
    for (const e of r.entries) {
      const c = this.#cacheFor(e.key)
      if (c) c.load(e.key, this.#decode(e.value, e.revision))
    }
    for (const c of this.#caches.values()) c.loaded()
    this.#lists++
    this.#advance(r.revision)
    return r.revision
  }

  /**
   * Announces that `value` is about to be written at `key` and that `obj` is what it encodes; the
   * event that writes it then reuses `obj` (and its cached JSON) instead of parsing `value`.
   * `deleted`: `value` is the last value of a key about to be deleted, for its DELETED event.
   */
  expect(key: string, value: string, obj: ApiObject, deleted = false): void {
    const expected = deleted ? this.#expectedDeletes : this.#expected
    takeExpected(expected, key)
    expected.set(key, { value, obj })
    // Writes that failed leave their entry behind: keep the map bounded, oldest out first.
    if (expected.size > MAX_EXPECTED) {
      const oldest = expected.keys().next().value
      if (oldest !== undefined) takeExpected(expected, oldest)
    }
  }

  #objectOf(ev: StoreEvent): ApiObject {
    const e = ev.entry
    // A delete's hint is for its DELETED event only: its value is also the previous write's.
    const expected = ev.type === "delete" ? this.#expectedDeletes : this.#expected
    const hint = expected.get(e.key)
    // Another value may be a later write's hint (two writes of a key in quick succession): kept.
    if (hint?.value !== e.value) return this.#decode(e.value, e.revision)
    const obj = takeExpected(expected, e.key) as ApiObject
    obj.metadata ??= {}
    stampRevision(obj, e.revision)
    return obj
  }

  #applyEvent(ev: StoreEvent): void {
    const c = this.#cacheFor(ev.entry.key)
    if (c) {
      const object = this.#objectOf(ev)
      const { key, revision } = ev.entry
      const prev = c.objects.raw(key)
      const type = ev.type === "delete" ? "DELETED" : prev ? "MODIFIED" : "ADDED"
      c.apply(
        prev instanceof PackedObject
          ? new PackedPrevEvent(type, key, object, revision, prev)
          : { type, key, object, ...(prev ? { prev } : {}), revision },
      )
    }
    this.#advance(ev.entry.revision)
  }

  /**
   * Applies the store's events from `from` on until the watch ends. Events a commit published
   * together are applied together as soon as the first one arrives (when the store's watch can
   * hand over what it holds queued), so writers answered by that commit, and requests arriving
   * after, find the cache at its revision instead of waiting for it one event per turn.
   */
  async #follow(from: number, signal: AbortSignal): Promise<void> {
    const events = this.#store.watch("/registry/", from, signal)
    const it: Batched<StoreEvent> = events[Symbol.asyncIterator]()
    try {
      for (;;) {
        const n = await it.next()
        if (n.done) return
        this.#applyEvent(n.value)
        if (it.takeAll) for (const ev of it.takeAll()) this.#applyEvent(ev)
      }
    } finally {
      await it.return?.()
    }
  }

  /** Lists, then follows the store until `signal` aborts; relists when the watch is compacted. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let from: number
      try {
        from = await this.#list()
      } catch (err) {
        if (signal.aborted) return
        this.#log.error({ err: String(err) }, "Cannot list the store; retrying")
        await new Promise((r) => setTimeout(r, 1000))
        continue
      }
      this.#markReady()
      try {
        await this.#follow(from, signal)
      } catch (err) {
        if (signal.aborted) return
        if (!(err instanceof CompactedError))
          this.#log.error({ err: String(err) }, "Store watch failed; relisting")
        for (const fn of this.#resetListeners) fn()
      }
    }
  }
}

/** A bounded queue of outgoing watch lines: a consumer too far behind is ended. */
export function lineQueue(): AsyncQueue<string> {
  return new AsyncQueue<string>()
}

/**
 * The informer: a reflector (list, then watch from the list's resourceVersion) that keeps an
 * indexed cache and tells handlers about each change after the cache has it (client-go's
 * Reflector + sharedIndexInformer, compressed).
 */
import { ApiError, type ApiObject, type List, keyOf, type WatchEvent } from "../api/index.ts"
import { type Batched, type Clock, deepFreeze, type Logger, realClock, silentLogger } from "../util/index.ts"
import { type Cache, type IndexFunc, IndexedCache } from "./cache.ts"
import type { ListOptions, SelectorOptions, WatchOptions } from "./client.ts"

/** Reacts to changes; called after the cache holds the change. Must not block or throw. */
export interface EventHandler<T extends ApiObject> {
  onAdd?(obj: T): void
  onUpdate?(old: T, obj: T): void
  /** `obj` is the last state the informer knew. */
  onDelete?(obj: T): void
}

/**
 * A cache of one resource kept current by list and watch. Handlers run in registration order,
 * one change at a time, after the cache update; a handler added late first gets onAdd for
 * every cached object.
 */
export interface Informer<T extends ApiObject> {
  /** Eventually consistent; objects are frozen: clone before editing. */
  readonly cache: Cache<T>
  /** Registers a handler; returns the function that removes it. */
  addHandler(handler: EventHandler<T>): () => void
  /**
   * Adds a custom cache index (cached objects are filed at once). An index of that name that
   * exists is kept, so controllers sharing an informer (or restarted) may each ask for it.
   */
  addIndexer(name: string, fn: IndexFunc<T>): void
  /** True once the first list is in the cache and its handlers have run. */
  hasSynced(): boolean
  /** Resolves true once synced, or false when `signal` aborts first. */
  waitForSync(signal: AbortSignal): Promise<boolean>
  /** Lists, watches from the list's version, re-lists on "Expired"/"Gone", until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>
}

/**
 * What an informer reads from: a ResourceClient fits. A watch whose iterator has `takeAll()`
 * (Batched) has the events queued behind each next() applied together.
 */
export interface ListerWatcher<T extends ApiObject> {
  list(opts: ListOptions): Promise<List<T>>
  watch(opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>>
}

/**
 * Turns each listed or watched object into what the cache keeps (client-go's TransformFunc). It
 * must not change its argument: in process, every watcher of a resource shares one parsed event.
 */
export type TransformFunc = <T extends ApiObject>(obj: T) => T

/**
 * What stripManagedFields made of each frozen object (one in-process watch event's, shared by
 * every watcher): the informers of all the components in a process that watch it share one copy.
 */
const stripped = new WeakMap<object, ApiObject>()

/**
 * A TransformFunc dropping `metadata.managedFields`, as kube-controller-manager's and
 * kube-scheduler's informers do: a cached object then holds about half the fields, and nothing
 * they read is lost (a write without managedFields keeps the live ones). Copies only the object
 * and its metadata; the rest is shared. A frozen object (which nobody changes) gives the same
 * copy each time, frozen, so informers sharing its event share the copy too.
 */
export function stripManagedFields<T extends ApiObject>(obj: T): T {
  const meta = obj.metadata
  if (meta?.managedFields === undefined) return obj
  if (!Object.isFrozen(obj)) return strip(obj, meta)
  let copy = stripped.get(obj) as T | undefined
  if (!copy) stripped.set(obj, (copy = deepFreeze(strip(obj, meta))))
  return copy
}

function strip<T extends ApiObject>(obj: T, meta: NonNullable<ApiObject["metadata"]>): T {
  const { managedFields: _, ...rest } = meta
  return { ...obj, metadata: rest }
}

/** Options of ListWatchInformer. */
export interface InformerOptions<T extends ApiObject> extends SelectorOptions {
  readonly clock?: Clock
  readonly log?: Logger
  /** Custom indexes besides the built-in ones (namespace, owner uid, node name). */
  readonly indexers?: Readonly<Record<string, IndexFunc<T>>>
  /** Items per list page (default 500; 0 lists in one request). */
  readonly pageSize?: number
  /** The first retry after an error waits this long, doubling up to 30 s (default 800 ms). */
  readonly backoffMs?: number
  /** Applied to each object before the cache and the handlers see it (default: none). */
  readonly transform?: TransformFunc
}

const MAX_BACKOFF_MS = 30_000
/** A watch is asked to end after this long (plus jitter), so connections are recycled. */
const WATCH_TIMEOUT_SECONDS = 300

/** True for the errors after which only a new list helps. */
export function isExpired(err: unknown): boolean {
  return err instanceof ApiError && (err.reason === "Expired" || err.reason === "Gone")
}

/** The Informer implementation over a ListerWatcher. */
export class ListWatchInformer<T extends ApiObject> implements Informer<T> {
  readonly #lw: ListerWatcher<T>
  readonly #opts: InformerOptions<T>
  readonly #clock: Clock
  readonly #log: Logger
  readonly #cache: IndexedCache<T>
  readonly #transform: (obj: T) => T
  #handlers: EventHandler<T>[] = []
  #synced = false
  #running = false
  readonly #syncWaiters = new Set<() => void>()

  constructor(lw: ListerWatcher<T>, opts: InformerOptions<T> = {}) {
    this.#lw = lw
    this.#opts = opts
    this.#clock = opts.clock ?? realClock
    this.#log = opts.log ?? silentLogger()
    this.#cache = new IndexedCache<T>(opts.indexers)
    this.#transform = opts.transform ?? ((obj) => obj)
  }

  get cache(): Cache<T> {
    return this.#cache
  }

  addHandler(handler: EventHandler<T>): () => void {
    this.#handlers = [...this.#handlers, handler]
    for (const obj of this.#cache.list()) this.#call(handler, "onAdd", obj)
    return () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler)
    }
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (!this.#cache.hasIndex(name)) this.#cache.addIndexer(name, fn)
  }

  hasSynced(): boolean {
    return this.#synced
  }

  waitForSync(signal: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true)
    if (signal.aborted) return Promise.resolve(false)
    return new Promise((resolve) => {
      const onAbort = () => {
        this.#syncWaiters.delete(waiter)
        resolve(false)
      }
      const waiter = () => {
        signal.removeEventListener("abort", onAbort)
        resolve(true)
      }
      signal.addEventListener("abort", onAbort, { once: true })
      this.#syncWaiters.add(waiter)
    })
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new TypeError("Cannot run an informer twice at once")
    this.#running = true
    let rv: string | undefined
    let failures = 0
    try {
      while (!signal.aborted) {
        try {
          if (rv === undefined) rv = await this.#list(signal)
          if (signal.aborted) break
          const watched = await this.#watch(rv, signal)
          rv = watched.rv
          // A stream that ends at once with nothing in it is a failure in disguise: back off.
          if (watched.events > 0) failures = 0
          else if (!signal.aborted) await this.#clock.sleep(this.#delay(++failures), signal)
        } catch (err) {
          if (signal.aborted) break
          if (isExpired(err)) {
            this.#log.info({ err: String(err) }, "Watch expired, listing again")
            rv = undefined
            continue
          }
          const delay = this.#delay(++failures)
          this.#log.warn({ err: String(err), retryMs: delay }, "List or watch failed, retrying")
          await this.#clock.sleep(delay, signal)
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err
    } finally {
      this.#running = false
    }
  }

  #delay(failures: number): number {
    return Math.min((this.#opts.backoffMs ?? 800) * 2 ** (failures - 1), MAX_BACKOFF_MS)
  }

  #selectors(): SelectorOptions {
    const { namespace, labelSelector, fieldSelector } = this.#opts
    return {
      ...(namespace ? { namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    }
  }

  /** Lists every page, replaces the cache, runs the handlers; returns the list's version. */
  async #list(signal: AbortSignal): Promise<string> {
    const pageSize = this.#opts.pageSize ?? 500
    const items: T[] = []
    let rv = ""
    let cont: string | undefined
    do {
      const page = await this.#lw.list({
        ...this.#selectors(),
        ...(pageSize > 0 ? { limit: pageSize } : {}),
        ...(cont ? { continue: cont } : {}),
        signal,
      })
      if (!cont) rv = page.metadata.resourceVersion ?? ""
      for (const obj of page.items) items.push(this.#transform(obj))
      cont = page.metadata.continue || undefined
    } while (cont)
    this.#replace(items)
    return rv
  }

  #replace(items: T[]): void {
    const seen = new Set<string>()
    const changes: [T | undefined, T][] = []
    for (const obj of items) {
      const key = keyOf(obj)
      seen.add(key)
      const old = this.#cache.get(key)
      if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue
      this.#cache.set(obj)
      changes.push([old, obj])
    }
    const gone: T[] = []
    for (const key of this.#cache.keys()) {
      if (seen.has(key)) continue
      const old = this.#cache.delete(key)
      if (old) gone.push(old)
    }
    for (const [old, obj] of changes) this.#notify(old, obj)
    for (const old of gone) this.#each("onDelete", old)
    if (!this.#synced) {
      this.#synced = true
      for (const waiter of this.#syncWaiters) waiter()
      this.#syncWaiters.clear()
    }
  }

  /** Watches from `rv` until the stream ends; returns the last version seen. */
  async #watch(rv: string, signal: AbortSignal): Promise<{ rv: string; events: number }> {
    let events = 0
    const timeoutSeconds = WATCH_TIMEOUT_SECONDS + Math.floor(Math.random() * WATCH_TIMEOUT_SECONDS)
    const stream = this.#lw.watch(
      { ...this.#selectors(), resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds },
      signal,
    )
    // The events queued behind the one next() gave are applied with it (takeAll, in process):
    // a batch of writes' events costs one promise, not several per event.
    const it: Batched<WatchEvent<T>> = stream[Symbol.asyncIterator]()
    let ended = false
    try {
      const see = (ev: WatchEvent<T>) => {
        events++
        rv = ev.object.metadata?.resourceVersion ?? rv
        this.#apply(ev)
      }
      for (let r = await it.next(); !r.done; r = await it.next()) {
        see(r.value)
        if (it.takeAll) for (const ev of it.takeAll()) see(ev)
      }
      ended = true
    } finally {
      if (!ended) await it.return?.()
    }
    return { rv, events }
  }

  #apply(ev: WatchEvent<T>): void {
    switch (ev.type) {
      case "ADDED":
      case "MODIFIED": {
        // The cache freezes what it keeps (the event itself may be shared with other watchers).
        const obj = this.#transform(ev.object)
        this.#notify(this.#cache.set(obj), obj)
        return
      }
      case "DELETED": {
        const old = this.#cache.delete(keyOf(ev.object))
        // Never seen (deleted before our list): nothing to tell.
        if (old) this.#each("onDelete", deepFreeze(this.#transform(ev.object)))
        return
      }
      default:
      // BOOKMARK: only the resourceVersion moves.
    }
  }

  #notify(old: T | undefined, obj: T): void {
    if (!old) return this.#each("onAdd", obj)
    for (const h of this.#handlers) this.#call(h, "onUpdate", obj, old)
  }

  #each(kind: "onAdd" | "onDelete", obj: T): void {
    for (const h of this.#handlers) this.#call(h, kind, obj)
  }

  #call(h: EventHandler<T>, kind: keyof EventHandler<T>, obj: T, old?: T): void {
    try {
      if (kind === "onUpdate") h.onUpdate?.(old as T, obj)
      else h[kind]?.(obj)
    } catch (err) {
      this.#log.error({ err: String(err), key: keyOf(obj), handler: kind }, "Event handler failed")
    }
  }
}

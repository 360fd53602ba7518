/**
 * The controller contract (controller-runtime's Reconcile, plain) and its runner: informers feed
 * keys into a work queue, N workers reconcile them, failures retry with per-key backoff.
 */
import { setMaxListeners } from "node:events"
import { type ApiObject, controllerOf, keyOf, type ResourceRef } from "../api/index.ts"
import type { Clock, Logger } from "../util/index.ts"
import type { Client, SelectorOptions } from "./client.ts"
import type { EventHandler, Informer } from "./informer.ts"
import type { Informers } from "./shared-informers.ts"
import { RateLimitingQueue, type WorkQueueStats } from "./workqueue.ts"

/** What a reconcile asks for besides success. */
export interface Result {
  /** Reconcile the key again after this long (e.g. to re-check a deadline). */
  readonly requeueAfterMs?: number
}

/** Converges the cluster towards the state one object asks for. */
export interface Reconciler {
  /**
   * Converges the object named by `key` ("ns/name"). Idempotent: running it twice changes nothing
   * the second time. Read from informer caches, write through the client. Throw to retry with
   * backoff; throw TerminalError when retrying cannot help; `return` when the object is gone.
   */
  reconcile(key: string, signal: AbortSignal): Promise<Result | void>
  /**
   * Optional work beside the workers, started once the caches have synced: for keys no informer
   * names (a timer, a graph of many kinds). Enqueue through `queue`; resolve when `signal`
   * aborts. A rejection stops the controller (the manager restarts it).
   */
  run?(queue: KeyQueue, signal: AbortSignal): Promise<void>
}

/** The part of the work queue a reconciler may feed. */
export interface KeyQueue {
  add(key: string): void
  addAfter(key: string, ms: number): void
}

/** A failure that retrying cannot fix: logged, and the key is not retried. */
export class TerminalError extends Error {
  override name = "TerminalError"
}

/**
 * A failure expected to pass on its own (an object of a kind discovery does not know yet):
 * retried as any other, but logged at debug level, as upstream logs such retries at V(5).
 */
export class QuietRetryError extends Error {
  override name = "QuietRetryError"
}

/** What a controller is built from. */
export interface ControllerDeps {
  readonly client: Client
  readonly informers: Informers
  readonly clock: Clock
  readonly log: Logger
}

/** An informer event a WatchSpec can be limited to. */
export type WatchEvent = "add" | "update" | "delete"

/** A resource whose changes map to keys of the controller's own resource. */
export interface WatchSpec {
  readonly ref: ResourceRef<any>
  /** The keys to reconcile when `obj` changes. */
  map(obj: ApiObject): string[]
  /**
   * The events that map (default all). The informer's first list counts as adds: a controller
   * that leaves adds out sees none of the objects that existed before it started.
   */
  readonly events?: readonly WatchEvent[]
}

/** A controller: what it reconciles, what it watches, and how to build its reconciler. */
export interface ControllerSpec {
  /** Short and stable, e.g. "replicaset"; used in logs, health and flags. */
  readonly name: string
  /**
   * The `--controllers` name that enables it, when it is one loop of an upstream controller
   * that has several (default `name`).
   */
  readonly enabledBy?: string
  /** Concurrent reconciles (default 1); one key is never reconciled twice at once. */
  readonly workers?: number
  /** The reconciled resource: each of its changes enqueues its own key. */
  readonly for: ResourceRef<any>
  /** Narrows the watch of `for` (a kubelet: `spec.nodeName=<node>`); default everything. */
  readonly scope?: SelectorOptions
  /** Resources it creates: each change enqueues the key of the controlling owner. */
  readonly owns?: readonly ResourceRef<any>[]
  /** Other resources, mapped to keys by a function. */
  readonly watches?: readonly WatchSpec[]
  /** Builds the reconciler; called again each time the controller (re)starts. */
  create(deps: ControllerDeps): Reconciler
}

/** A controller's counters: its queue's, plus reconcile outcomes. */
export interface ControllerStats extends WorkQueueStats {
  readonly reconciles: number
  /** Reconciles that threw (TerminalError included). */
  readonly failures: number
}

const ZERO: WorkQueueStats = { depth: 0, processing: 0, delayed: 0, adds: 0, retries: 0 }

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/")
  return slash < 0 ? "" : apiVersion.slice(0, slash)
}

/** The key of the object's controlling owner, when that owner is of kind `ref`. */
export function ownerKeyOf(ref: ResourceRef<any>, obj: ApiObject): string | undefined {
  const owner = controllerOf(obj)
  if (!owner || owner.kind !== ref.kind || groupOf(owner.apiVersion) !== ref.group) return undefined
  const ns = obj.metadata?.namespace
  return ref.namespaced && ns ? `${ns}/${owner.name}` : owner.name
}

/** Runs one ControllerSpec; `run` may be called again after it ends (the manager restarts it). */
export class Controller {
  readonly name: string
  readonly #spec: ControllerSpec
  readonly #deps: ControllerDeps
  #queue: RateLimitingQueue | undefined
  #previous: WorkQueueStats = ZERO
  #reconciles = 0
  #failures = 0

  constructor(spec: ControllerSpec, deps: ControllerDeps) {
    if (spec.workers !== undefined && !(Number.isInteger(spec.workers) && spec.workers > 0)) {
      throw new RangeError(`Cannot create controller "${spec.name}": workers must be a positive integer`)
    }
    this.name = spec.name
    this.#spec = spec
    this.#deps = { ...deps, log: deps.log.child({ controller: spec.name }) }
  }

  /** Counters over every run so far. */
  stats(): ControllerStats {
    const cur = this.#queue?.stats() ?? ZERO
    return {
      depth: cur.depth,
      processing: cur.processing,
      delayed: cur.delayed,
      adds: this.#previous.adds + cur.adds,
      retries: this.#previous.retries + cur.retries,
      reconciles: this.#reconciles,
      failures: this.#failures,
    }
  }

  /** Watches, waits for the caches to sync, then reconciles until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { informers, clock, log } = this.#deps
    if (this.#queue) throw new TypeError(`Cannot run controller "${this.name}" twice at once`)
    const queue = new RateLimitingQueue({ clock })
    this.#queue = queue
    const offs: (() => void)[] = []
    try {
      const reconciler = this.#spec.create(this.#deps)
      const used: Informer<ApiObject>[] = []
      const watch = (
        ref: ResourceRef<any>,
        map: (obj: ApiObject) => (string | undefined)[],
        sameKeys?: (old: ApiObject, obj: ApiObject) => boolean,
        scope?: SelectorOptions,
        events?: readonly WatchEvent[],
      ) => {
        const informer = informers.get<ApiObject>(ref, scope)
        used.push(informer)
        offs.push(informer.addHandler(enqueuer(queue, map, sameKeys, events)))
      }
      const own = this.#spec.for
      // An update never changes an object's key; nor its owner's while its controller stays.
      watch(
        own,
        (obj) => [keyOf(obj)],
        () => true,
        this.#spec.scope,
      )
      for (const ref of this.#spec.owns ?? []) watch(ref, (obj) => [ownerKeyOf(own, obj)], sameController)
      for (const w of this.#spec.watches ?? [])
        watch(w.ref, (obj) => w.map(obj), undefined, undefined, w.events)
      const n = this.#spec.workers ?? 1
      // Each informer wait and idle worker listens for the abort: give them a signal of their own
      // that allows that many, so controllers sharing the caller's signal do not trip Node's warning.
      const stop = new AbortController()
      setMaxListeners(n * 2 + used.length + 10, stop.signal)
      const forward = () => stop.abort(signal.reason)
      signal.addEventListener("abort", forward, { once: true })
      offs.push(() => signal.removeEventListener("abort", forward))
      if (signal.aborted) forward()
      const synced = await Promise.all(used.map((i) => i.waitForSync(stop.signal)))
      if (!synced.every(Boolean)) return
      log.info({ workers: n }, "Controller started")
      const workers = Array.from({ length: n }, () => this.#work(reconciler, queue, stop.signal))
      if (reconciler.run) workers.push(reconciler.run(queue, stop.signal))
      await Promise.all(workers)
    } finally {
      for (const off of offs) off()
      queue.shutDown()
      const s = queue.stats()
      this.#previous = {
        ...ZERO,
        adds: this.#previous.adds + s.adds,
        retries: this.#previous.retries + s.retries,
      }
      this.#queue = undefined
    }
  }

  async #work(reconciler: Reconciler, queue: RateLimitingQueue, signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await queue.next(signal)
      if (key === undefined) return
      try {
        await this.#reconcile(reconciler, queue, key, signal)
      } finally {
        queue.done(key)
      }
    }
  }

  async #reconcile(
    reconciler: Reconciler,
    queue: RateLimitingQueue,
    key: string,
    signal: AbortSignal,
  ): Promise<void> {
    const { log } = this.#deps
    this.#reconciles++
    try {
      const result = await reconciler.reconcile(key, signal)
      queue.forget(key)
      if (result && result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs)
    } catch (err) {
      // Stopping: the queue is shutting down, so there is nothing to retry.
      if (signal.aborted) return
      this.#failures++
      if (err instanceof TerminalError) {
        log.error({ key, err: err.message }, "Reconcile failed for good, not retrying")
        queue.forget(key)
        return
      }
      const level = err instanceof QuietRetryError ? "debug" : "warn"
      log[level]({ key, err: String(err), retries: queue.retries(key) }, "Reconcile failed, retrying")
      queue.addRateLimited(key)
    }
  }
}

/** True when both versions of an object name the same controller (so the same owner key). */
function sameController(old: ApiObject, obj: ApiObject): boolean {
  const a = controllerOf(old)
  const b = controllerOf(obj)
  return a === b || (!!a && !!b && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion)
}

/**
 * Maps an informer's events to keys and queues them once per turn of the event loop: the events
 * of one burst (a watch chunk, a store flush) that name the same key give one reconcile, instead
 * of one at the first event and one more after it for the rest. An update maps the old version
 * too, unless `sameKeys` says it gives the new one's keys. Only `events` map, when given.
 */
function enqueuer(
  queue: RateLimitingQueue,
  map: (obj: ApiObject) => (string | undefined)[],
  sameKeys?: (old: ApiObject, obj: ApiObject) => boolean,
  events?: readonly WatchEvent[],
): EventHandler<ApiObject> {
  const pending = new Set<string>()
  const flush = () => {
    for (const key of pending) queue.add(key)
    pending.clear()
  }
  const add = (obj: ApiObject) => {
    for (const key of map(obj)) {
      if (!key) continue
      if (pending.size === 0) setImmediate(flush)
      pending.add(key)
    }
  }
  const on = (e: WatchEvent) => !events || events.includes(e)
  return {
    ...(on("add") ? { onAdd: add } : {}),
    ...(on("update")
      ? {
          onUpdate(old: ApiObject, obj: ApiObject) {
            if (!sameKeys?.(old, obj)) add(old)
            add(obj)
          },
        }
      : {}),
    ...(on("delete") ? { onDelete: add } : {}),
  }
}

/** Runs `spec` until `signal` aborts. Rejects only when the controller itself breaks. */
export function runController(
  spec: ControllerSpec,
  deps: ControllerDeps,
  signal: AbortSignal,
): Promise<void> {
  return new Controller(spec, deps).run(signal)
}

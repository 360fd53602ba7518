/** A rate-limited work queue of keys with client-go's workqueue semantics. */
import { type Clock, realClock } from "../util/index.ts"

/**
 * A queue of keys for a controller's workers. Guarantees:
 * - a key waiting to be processed is held once, however often it is added;
 * - a key is never handed out twice at once: added again while being processed, it is queued
 *   again only after `done(key)`;
 * - keys come out in the order they were first added.
 * Every key taken with `next` must be given back with `done`.
 */
export interface WorkQueue {
  /** Queues `key` unless it is already waiting. */
  add(key: string): void
  /** Queues `key` after `ms` of the queue's clock; an earlier pending time wins. */
  addAfter(key: string, ms: number): void
  /** Queues `key` after its per-key exponential backoff, and counts a retry. */
  addRateLimited(key: string): void
  /** Resets the backoff of `key` (call it when `key` was processed successfully). */
  forget(key: string): void
  /** Waits for a key; undefined once the queue is shut down and empty, or `signal` aborts. */
  next(signal?: AbortSignal): Promise<string | undefined>
  /** Marks `key` as processed; queues it again if it was added meanwhile. */
  done(key: string): void
}

/** Per-key exponential backoff: `base * 2^failures`, capped (client-go's item rate limiter). */
export class ExponentialBackoff {
  readonly #baseMs: number
  readonly #maxMs: number
  readonly #failures = new Map<string, number>()

  constructor(baseMs = 5, maxMs = 1_000_000) {
    if (!(baseMs > 0) || !(maxMs >= baseMs)) {
      throw new RangeError(`Cannot create a backoff from ${baseMs} ms to ${maxMs} ms`)
    }
    this.#baseMs = baseMs
    this.#maxMs = maxMs
  }

  /** The delay before the next retry of `key`, counting this failure. */
  when(key: string): number {
    const n = this.#failures.get(key) ?? 0
    this.#failures.set(key, n + 1)
    return Math.min(this.#baseMs * 2 ** n, this.#maxMs)
  }

  /** How many failures `key` has had since it was last forgotten. */
  retries(key: string): number {
    return this.#failures.get(key) ?? 0
  }

  /** Clears the failures of `key`. */
  forget(key: string): void {
    this.#failures.delete(key)
  }
}

/** Plain counters of a queue, for health pages and metrics. */
export interface WorkQueueStats {
  /** Keys waiting to be handed out. */
  readonly depth: number
  /** Keys handed out and not yet done. */
  readonly processing: number
  /** Keys scheduled by addAfter or addRateLimited, not yet queued. */
  readonly delayed: number
  /** Keys added in total (each add that queued a key). */
  readonly adds: number
  /** addRateLimited calls in total. */
  readonly retries: number
}

/** Options of RateLimitingQueue. */
export interface RateLimitingQueueOptions {
  readonly clock?: Clock
  readonly backoff?: ExponentialBackoff
}

/** The WorkQueue implementation: a FIFO with dirty and processing sets and delayed adds. */
export class RateLimitingQueue implements WorkQueue {
  readonly #clock: Clock
  readonly #backoff: ExponentialBackoff
  #queue: string[] = []
  readonly #dirty = new Set<string>()
  readonly #processing = new Set<string>()
  readonly #waiters: ((key: string | undefined) => void)[] = []
  /** key → when it is due and the timer to cancel when an earlier time replaces it */
  readonly #delayed = new Map<string, { at: number; timer: AbortController }>()
  #shuttingDown = false
  #adds = 0
  #retries = 0

  constructor(opts: RateLimitingQueueOptions = {}) {
    this.#clock = opts.clock ?? realClock
    this.#backoff = opts.backoff ?? new ExponentialBackoff()
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return
    this.#dirty.add(key)
    this.#adds++
    if (this.#processing.has(key)) return
    this.#queue.push(key)
    this.#dispatch()
  }

  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return
    if (ms <= 0) return this.add(key)
    const at = this.#clock.now() + ms
    const pending = this.#delayed.get(key)
    if (pending && pending.at <= at) return
    pending?.timer.abort()
    const timer = new AbortController()
    this.#delayed.set(key, { at, timer })
    this.#clock.sleep(ms, timer.signal).then(
      () => {
        if (this.#delayed.get(key)?.timer !== timer) return
        this.#delayed.delete(key)
        this.add(key)
      },
      () => {}, // cancelled: replaced by an earlier time, or shut down
    )
  }

  addRateLimited(key: string): void {
    this.#retries++
    this.addAfter(key, this.#backoff.when(key))
  }

  forget(key: string): void {
    this.#backoff.forget(key)
  }

  /** How many times `key` has been retried since it was last forgotten. */
  retries(key: string): number {
    return this.#backoff.retries(key)
  }

  next(signal?: AbortSignal): Promise<string | undefined> {
    if (this.#queue.length > 0) return Promise.resolve(this.#take())
    if (this.#shuttingDown || signal?.aborted) return Promise.resolve(undefined)
    return new Promise((resolve) => {
      const waiter = (key: string | undefined) => {
        signal?.removeEventListener("abort", onAbort)
        resolve(key)
      }
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter)
        if (i >= 0) this.#waiters.splice(i, 1)
        resolve(undefined)
      }
      signal?.addEventListener("abort", onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }

  done(key: string): void {
    this.#processing.delete(key)
    if (this.#dirty.has(key)) {
      this.#queue.push(key)
      this.#dispatch()
    }
  }

  /** Keys waiting to be handed out. */
  len(): number {
    return this.#queue.length
  }

  /** Stops accepting keys, cancels delayed ones and, once empty, ends every `next`. */
  shutDown(): void {
    this.#shuttingDown = true
    for (const { timer } of this.#delayed.values()) timer.abort()
    this.#delayed.clear()
    this.#dispatch()
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown
  }

  /** The queue's counters. */
  stats(): WorkQueueStats {
    return {
      depth: this.#queue.length,
      processing: this.#processing.size,
      delayed: this.#delayed.size,
      adds: this.#adds,
      retries: this.#retries,
    }
  }

  #take(): string {
    const key = this.#queue.shift() as string
    this.#processing.add(key)
    this.#dirty.delete(key)
    return key
  }

  #dispatch(): void {
    while (this.#waiters.length > 0 && this.#queue.length > 0) {
      const waiter = this.#waiters.shift() as (key: string | undefined) => void
      waiter(this.#take())
    }
    if (this.#shuttingDown && this.#queue.length === 0) {
      for (const waiter of this.#waiters.splice(0)) waiter(undefined)
    }
  }
}

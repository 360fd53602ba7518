/**
 * The write side both event recorders share, as client-go's broadcasters and event client bound
 * it: at most MAX_QUEUED events waiting (more are dropped, logged once per overflow), at most
 * MAX_IN_FLIGHT writes under way (its recordWorkers), and every API request waiting for a token
 * of the event client's rate limit (EVENT_QPS after a burst of EVENT_BURST), so a burst of Events
 * waits behind the work it reports instead of competing with it. Writes of one key run in order.
 */
import type { Clock, Logger } from "../util/index.ts"

/**
 * The event client's rate (upstream's kubelet eventRecordQPS and kube-scheduler's client QPS):
 * Events are written at most this many a second once the burst is spent.
 */
export const EVENT_QPS = 50
/** The event client's burst (upstream's kubelet eventBurst and kube-scheduler's client burst). */
export const EVENT_BURST = 100
/** Requests held back by the rate limit go in groups this far apart (10 at EVENT_QPS). */
const RELEASE_MS = 200

/**
 * Events recorded and not yet written beyond which new ones are dropped (client-go's
 * maxQueuedEvents: its broadcaster drops when its queue is full), so a component outpacing the
 * API does not pile up events without bound.
 */
export const MAX_QUEUED = 1000

/** Writes under way at once (client-go's recordWorkers). */
export const MAX_IN_FLIGHT = 8

/** Options of EventWritePool. */
export interface EventWritePoolOptions {
  readonly clock: Clock
  readonly log: Logger
  /** Requests a second once the burst is spent (default EVENT_QPS; 0: no limit). */
  readonly qps?: number
  /** Requests at once before the rate applies (default EVENT_BURST). */
  readonly burst?: number
}

/**
 * One event's write: `throttle` resolves when its next API request may go (call it before each).
 * It should handle its own failures; one it throws is logged.
 */
export type EventWrite = (throttle: () => Promise<void>) => Promise<void>

/** Queues event writes under the bounds above. */
export class EventWritePool {
  readonly #opts: EventWritePoolOptions
  /** The last pending write of each key: the next one of that key waits for it. */
  readonly #tails = new Map<string, Promise<void>>()
  /** Writes waiting for a slot, and how many are in flight (at most MAX_IN_FLIGHT). */
  readonly #waiting: (() => void)[] = []
  #inFlight = 0
  /** Writes added and not yet done. */
  #queued = 0
  #dropping = false
  /** The rate limit's tokens (negative: requests already promised a later time) as of #tokensAt. */
  #tokens: number
  #tokensAt: number
  readonly #throttle = () => this.#rateLimit()

  constructor(opts: EventWritePoolOptions) {
    this.#opts = opts
    this.#tokens = opts.burst ?? EVENT_BURST
    this.#tokensAt = opts.clock.now()
  }

  /**
   * Whether one more write may be added: false once MAX_QUEUED wait, logged (with `fields`) once
   * per overflow rather than once per dropped event.
   */
  admit(fields: Readonly<Record<string, unknown>>): boolean {
    if (this.#queued < MAX_QUEUED) {
      this.#dropping = false
      return true
    }
    if (!this.#dropping)
      this.#opts.log.error(
        { ...fields, queued: this.#queued },
        "Unable to record event: too many queued events, dropping events until the queue drains",
      )
    this.#dropping = true
    return false
  }

  /** Runs `write` after the earlier writes of `key`, in a free slot; resolves when it is done. */
  add(key: string, write: EventWrite): Promise<void> {
    const before = this.#tails.get(key) ?? Promise.resolve()
    this.#queued++
    const mine = before.then(() => this.#slot(write))
    this.#tails.set(key, mine)
    return mine.then(() => {
      this.#queued--
      if (this.#tails.get(key) === mine) this.#tails.delete(key)
    })
  }

  /** Resolves once every write added so far is done. */
  async flush(): Promise<void> {
    while (this.#tails.size) await Promise.all([...this.#tails.values()])
  }

  /** Runs `write` when fewer than MAX_IN_FLIGHT writes are under way. */
  async #slot(write: EventWrite): Promise<void> {
    // A waiter is handed the finishing write's slot, so the count never overshoots.
    if (this.#inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.#waiting.push(r))
    else this.#inFlight++
    try {
      await write(this.#throttle)
    } catch (err) {
      this.#opts.log.warn({ err: String(err) }, "Cannot record an event")
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#inFlight--
    }
  }

  /**
   * Waits for a request's turn under the rate limit (client-go's token bucket: each request takes
   * a token, and one that finds none is promised a later one, in order). Requests that wait are
   * let go RELEASE_MS's tokens at a time rather than one by one: never sooner than their token,
   * and together, so the API server commits them together instead of one store write apiece.
   */
  async #rateLimit(): Promise<void> {
    const qps = this.#opts.qps ?? EVENT_QPS
    if (qps <= 0) return
    const now = this.#opts.clock.now()
    const burst = this.#opts.burst ?? EVENT_BURST
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#tokensAt) / 1000) * qps)
    this.#tokensAt = now
    this.#tokens -= 1
    if (this.#tokens < 0) {
      const due = (-this.#tokens / qps) * 1000
      await this.#opts.clock.sleep(Math.ceil(due / RELEASE_MS) * RELEASE_MS)
    }
  }
}

/**
 * What an event recorder does before writing (client-go's EventCorrelator): similar events (same
 * source, object, type and reason, different messages) seen 10 times within 10 minutes fold into
 * one "combined" event, and each source may write a burst of 25 events about one object, then one
 * every 5 minutes, so a busy controller does not flood the API with Events.
 */
import type { Clock } from "../util/index.ts"

/** Events about one object from one source, before the spam filter holds them back. */
export const SPAM_BURST = 25
/** How fast the spam filter's budget refills, in events per second (one per 5 minutes). */
export const SPAM_QPS = 1 / 300
/** Distinct messages of similar events before they are combined. */
export const AGGREGATE_MAX_EVENTS = 10
/** How long similar events are remembered for combining. */
export const AGGREGATE_INTERVAL_MS = 600_000
/** The prefix of a combined event's message. */
export const COMBINED_PREFIX = "(combined from similar events): "
/** How many keys each cache remembers (the least recently used go first). */
const MAX_ENTRIES = 4096

/** One event as the correlator sees it. */
export interface CorrelatedEvent {
  /** Source and involved object, in one string (the spam key). */
  readonly object: string
  readonly type: string
  readonly reason: string
  readonly message: string
  /** The part of the object (a container's field path): events about two parts fold apart. */
  readonly fieldPath?: string
}

/** What to record: nothing (spam), or this message under this key (repeats of a key fold). */
export type Correlation =
  { readonly skip: true } | { readonly skip: false; readonly key: string; readonly message: string }

/** A Map that forgets its least recently used entries beyond MAX_ENTRIES. */
class Lru<V> {
  readonly #map = new Map<string, V>()

  /** The value of `key`, which becomes the most recently used. */
  get(key: string): V | undefined {
    const v = this.#map.get(key)
    if (v !== undefined) {
      this.#map.delete(key)
      this.#map.set(key, v)
    }
    return v
  }

  set(key: string, v: V): void {
    this.#map.delete(key)
    this.#map.set(key, v)
    if (this.#map.size > MAX_ENTRIES) this.#map.delete(this.#map.keys().next().value as string)
  }
}

interface Bucket {
  tokens: number
  at: number
}

interface Similar {
  readonly messages: Set<string>
  at: number
}

/** Aggregates similar events and filters spam, per recorder. */
export class EventCorrelator {
  readonly #clock: Clock
  readonly #buckets = new Lru<Bucket>()
  readonly #similar = new Lru<Similar>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** Decides what to record for `e`. */
  correlate(e: CorrelatedEvent): Correlation {
    const now = this.#clock.now()
    const aggregate = JSON.stringify([e.object, e.type, e.reason])
    // get() made an entry it found the most recently used: only a new one needs a set().
    let similar = this.#similar.get(aggregate)
    if (!similar || now - similar.at > AGGREGATE_INTERVAL_MS) {
      similar = { messages: new Set(), at: now }
      this.#similar.set(aggregate, similar)
    }
    similar.messages.add(e.message)
    similar.at = now
    // Repeats fold by object, part and message (client-go's getEventKey); combining and the spam
    // filter ignore the part, as client-go's aggregate and spam keys do.
    const key = JSON.stringify(e.fieldPath ? [aggregate, e.fieldPath, e.message] : [aggregate, e.message])
    let out: Correlation = { skip: false, key, message: e.message }
    if (similar.messages.size >= AGGREGATE_MAX_EVENTS) {
      // Do not grow the set beyond the threshold (client-go pops any one).
      similar.messages.delete(similar.messages.values().next().value as string)
      out = { skip: false, key: aggregate, message: COMBINED_PREFIX + e.message }
    }
    return this.#allow(e.object, now) ? out : { skip: true }
  }

  /** Takes a token from the object's bucket (burst SPAM_BURST, refilled at SPAM_QPS). */
  #allow(object: string, now: number): boolean {
    let b = this.#buckets.get(object)
    if (!b) this.#buckets.set(object, (b = { tokens: SPAM_BURST, at: now }))
    b.tokens = Math.min(SPAM_BURST, b.tokens + ((now - b.at) / 1000) * SPAM_QPS)
    b.at = now
    const ok = b.tokens >= 1
    if (ok) b.tokens -= 1
    return ok
  }
}

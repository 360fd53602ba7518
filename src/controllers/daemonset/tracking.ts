/**
 * What the DaemonSet controller remembers between reconciles: the pods it created or deleted
 * that its cache has not seen yet (upstream's expectations, so a stale cache never makes it
 * create twice), and the back-off before it replaces a failed pod on the same node again.
 */
import type { Cache } from "../../client/index.ts"
import type { PodObject } from "../set-pods/index.ts"

/** How long an expectation waits for the cache before it is given up (upstream: 5 minutes). */
const EXPECTATION_TTL_MS = 5 * 60_000

interface Pending {
  /** Keys of created pods not yet in the cache. */
  readonly adds: Set<string>
  /** uid by key of deleted pods the cache still shows alive. */
  readonly dels: Map<string, string>
  at: number
}

/** Writes a DaemonSet made that its pod cache has yet to reflect. */
export class Expectations {
  readonly #pending = new Map<string, Pending>()

  #entry(key: string, now: number): Pending {
    let e = this.#pending.get(key)
    if (!e) this.#pending.set(key, (e = { adds: new Set(), dels: new Map(), at: now }))
    e.at = now
    return e
  }

  /** Records the creation of the pod with key `podKey` ("ns/name") for set `key`. */
  created(key: string, podKey: string, now: number): void {
    this.#entry(key, now).adds.add(podKey)
  }

  /** Records the deletion of `pod` for set `key`. */
  deleted(key: string, pod: PodObject, now: number): void {
    const m = pod.metadata ?? {}
    this.#entry(key, now).dels.set(`${m.namespace ?? ""}/${m.name ?? ""}`, m.uid ?? "")
  }

  /** True when the cache reflects every write recorded for `key` (or they timed out). */
  satisfied(key: string, pods: Cache<PodObject>, now: number): boolean {
    const e = this.#pending.get(key)
    if (!e) return true
    if (now - e.at > EXPECTATION_TTL_MS) {
      this.#pending.delete(key)
      return true
    }
    for (const podKey of e.adds) if (pods.get(podKey)) e.adds.delete(podKey)
    for (const [podKey, uid] of e.dels) {
      const pod = pods.get(podKey)
      if (!pod || pod.metadata?.uid !== uid || pod.metadata?.deletionTimestamp) e.dels.delete(podKey)
    }
    if (e.adds.size || e.dels.size) return false
    this.#pending.delete(key)
    return true
  }

  /** Forgets set `key` (it was deleted). */
  forget(key: string): void {
    this.#pending.delete(key)
  }
}

interface BackoffEntry {
  backoff: number
  lastUpdate: number
}

/** Per-key exponential back-off (client-go's flowcontrol.Backoff): 1 s doubling to 15 min. */
export class FailedPodsBackoff {
  readonly #entries = new Map<string, BackoffEntry>()
  readonly #initialMs: number
  readonly #maxMs: number

  constructor(initialMs = 1_000, maxMs = 15 * 60_000) {
    this.#initialMs = initialMs
    this.#maxMs = maxMs
  }

  /** True while `key` waits out the back-off set at its last failure. */
  isInBackoffSinceUpdate(key: string, now: number): boolean {
    const e = this.#entries.get(key)
    return !!e && now - e.lastUpdate < e.backoff
  }

  /** The current back-off of `key` in milliseconds. */
  get(key: string): number {
    return this.#entries.get(key)?.backoff ?? 0
  }

  /** Records a failure of `key` now, doubling its back-off (or starting over after a long calm). */
  next(key: string, now: number): void {
    const e = this.#entries.get(key)
    if (!e || now - e.lastUpdate > 2 * this.#maxMs) {
      this.#entries.set(key, { backoff: this.#initialMs, lastUpdate: now })
      return
    }
    e.backoff = Math.min(2 * e.backoff, this.#maxMs)
    e.lastUpdate = now
  }

  /** Drops entries idle for longer than twice the maximum back-off. */
  gc(now: number): void {
    for (const [k, e] of this.#entries) if (now - e.lastUpdate > 2 * this.#maxMs) this.#entries.delete(k)
  }
}

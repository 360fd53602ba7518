/**
 * Writes the DaemonSet controller made that its pod cache has not seen yet (upstream's
 * expectations), so a stale cache never makes it create or delete twice.
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

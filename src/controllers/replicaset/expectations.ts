/**
 * Controller expectations (upstream's ControllerExpectations, made level-based): the pods a
 * controller created or deleted but its informer cache has not shown yet. While any are
 * outstanding the controller must not act on the cache again, or it would create or delete twice.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import type { Clock } from "../../util/index.ts"

/** Upstream's ExpectationsTimeout: after this long, stale expectations are given up. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000

interface Pending {
  /** "ns/name" of created pods not yet in the cache. */
  readonly creates: Set<string>
  /** "ns/name" → uid of deleted pods still in the cache without a deletionTimestamp. */
  readonly deletes: Map<string, string>
  at: number
}

/** Read access to a pod cache, as an informer's cache offers it. */
export interface PodLookup {
  get(key: string): Pod | undefined
}

/** The outstanding creates and deletes of each controller key. */
export class PodExpectations {
  readonly #clock: Clock
  readonly #pending = new Map<string, Pending>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  #entry(key: string): Pending {
    let e = this.#pending.get(key)
    if (!e) {
      e = { creates: new Set(), deletes: new Map(), at: this.#clock.now() }
      this.#pending.set(key, e)
    }
    e.at = this.#clock.now()
    return e
  }

  /** Records that `owner` created the pod named `podKey` ("ns/name"). */
  created(owner: string, podKey: string): void {
    this.#entry(owner).creates.add(podKey)
  }

  /** Records that `owner` deleted the pod `podKey` whose uid was `uid`. */
  deleted(owner: string, podKey: string, uid: string): void {
    this.#entry(owner).deletes.set(podKey, uid)
  }

  /**
   * Records that the pod `podKey` of `owner` is gone, so a create the cache never showed (the
   * pod came and went between two looks) no longer holds `owner` back.
   */
  observeDeleted(owner: string, podKey: string): void {
    const e = this.#pending.get(owner)
    e?.creates.delete(podKey)
    e?.deletes.delete(podKey)
  }

  /**
   * True when the cache shows every create and delete recorded for `owner` (or they are older
   * than EXPECTATIONS_TIMEOUT_MS). Forgets what the cache has caught up with.
   */
  satisfied(owner: string, pods: PodLookup): boolean {
    const e = this.#pending.get(owner)
    if (!e) return true
    for (const k of e.creates) if (pods.get(k)) e.creates.delete(k)
    for (const [k, uid] of e.deletes) {
      const p = pods.get(k)
      if (!p || p.metadata?.uid !== uid || p.metadata?.deletionTimestamp) e.deletes.delete(k)
    }
    const done = e.creates.size === 0 && e.deletes.size === 0
    if (done || this.#clock.now() - e.at > EXPECTATIONS_TIMEOUT_MS) {
      this.#pending.delete(owner)
      return true
    }
    return false
  }

  /** Forgets `owner` (it was deleted). */
  forget(owner: string): void {
    this.#pending.delete(owner)
  }
}

/**
 * What the controller is waiting to see in its pod cache after its own writes (upstream's
 * expectations): pod creations and deletions per Job, and pods whose tracking finalizer it
 * removed. Until the cache catches up, the Job neither creates nor deletes more pods, and the
 * pods whose finalizer went are not counted twice.
 */
import type { Pod } from "./types.ts"
import { hasTrackingFinalizer } from "./pods.ts"

/** How long an unmet expectation holds before the controller stops waiting for it. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000

interface Pending {
  creates: number
  deletes: number
  at: number
}

/** Per-Job expectations, fed by the pod informer's events. */
export class Expectations {
  readonly #pending = new Map<string, Pending>()
  readonly #finalizers = new Map<string, Set<string>>()
  /** Pods whose deletion was already observed (they linger while terminating). */
  readonly #deleted = new Set<string>()
  readonly #now: () => number

  constructor(now: () => number) {
    this.#now = now
  }

  /** Expects `creates` new pods and `deletes` pod deletions for `key`. */
  expect(key: string, creates: number, deletes: number): void {
    this.#pending.set(key, { creates, deletes, at: this.#now() })
  }

  /** Lowers the expectations of `key` (a write failed, or the cache showed it). */
  observed(key: string, creates: number, deletes: number): void {
    const p = this.#pending.get(key)
    if (!p) return
    p.creates -= creates
    p.deletes -= deletes
  }

  /** True when the cache reflects every write for `key`, or the wait expired. */
  satisfied(key: string): boolean {
    const p = this.#pending.get(key)
    if (!p) return true
    if ((p.creates <= 0 && p.deletes <= 0) || this.#now() - p.at > EXPECTATIONS_TTL_MS) {
      this.#pending.delete(key)
      return true
    }
    return false
  }

  /** Records that the finalizer of each pod uid is being removed for `key`. */
  expectFinalizersRemoved(key: string, uids: readonly string[]): void {
    let set = this.#finalizers.get(key)
    if (!set) this.#finalizers.set(key, (set = new Set()))
    for (const uid of uids) set.add(uid)
  }

  /** The uids whose finalizer removal the cache has not shown yet. */
  finalizersPending(key: string): ReadonlySet<string> {
    return this.#finalizers.get(key) ?? new Set()
  }

  /** The cache saw `pod` (for Job `key`) without its finalizer, or gone. */
  finalizerObserved(key: string, uid: string): void {
    const set = this.#finalizers.get(key)
    if (!set) return
    set.delete(uid)
    if (set.size === 0) this.#finalizers.delete(key)
  }

  /** Updates the expectations of `key` from one pod event. */
  onPodEvent(key: string, type: "add" | "update" | "delete", pod: Pod): void {
    const uid = pod.metadata?.uid ?? ""
    if (type === "add" && !pod.metadata?.deletionTimestamp) this.observed(key, 1, 0)
    if (type === "delete" || pod.metadata?.deletionTimestamp) {
      if (!this.#deleted.has(uid)) {
        this.#deleted.add(uid)
        this.observed(key, 0, 1)
      }
    }
    if (type === "delete") {
      this.#deleted.delete(uid)
      this.finalizerObserved(key, uid)
    } else if (!hasTrackingFinalizer(pod)) this.finalizerObserved(key, uid)
  }

  /** Forgets `key` (the Job is gone). */
  delete(key: string): void {
    this.#pending.delete(key)
    this.#finalizers.delete(key)
  }
}

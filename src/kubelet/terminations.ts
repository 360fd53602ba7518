/**
 * Pods whose containers are being stopped, and when their grace period ends. A shorter grace
 * period the API gives meanwhile (a second delete with a smaller --grace-period) stops them
 * sooner, as upstream's pod workers restart a pod's kill with the shortened period: a period
 * only ever shrinks, and counts from when it was given.
 */

interface Termination {
  readonly uid: string
  deadline: number
  readonly stopWithin: (graceMs: number) => void
}

export class Terminations {
  readonly #inFlight = new Map<string, Termination>()

  /**
   * Records that pod `key` (uid `uid`) is being stopped within `graceMs` from `now`;
   * `stopWithin` stops its containers within a shorter period. Returns the call that ends it.
   */
  begin(
    key: string,
    uid: string,
    graceMs: number,
    now: number,
    stopWithin: (graceMs: number) => void,
  ): () => void {
    const t: Termination = { uid, deadline: now + graceMs, stopWithin }
    this.#inFlight.set(key, t)
    return () => {
      if (this.#inFlight.get(key) === t) this.#inFlight.delete(key)
    }
  }

  /** A grace period of `graceMs` from `now` given to pod `key` (uid `uid`): kept if sooner. */
  shorten(key: string, uid: string, graceMs: number, now: number): void {
    const t = this.#inFlight.get(key)
    if (!t || t.uid !== uid) return
    // As upstream: never less than a second.
    const grace = Math.max(graceMs, 1000)
    if (now + grace >= t.deadline) return
    t.deadline = now + grace
    t.stopWithin(grace)
  }
}

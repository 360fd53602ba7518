/**
 * The back-off before the DaemonSet controller replaces a failed pod on the same node again, so
 * it does not fight a kubelet that keeps rejecting the pod (client-go's flowcontrol.Backoff).
 */

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

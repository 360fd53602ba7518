/** A source of time. Components take a Clock so tests can drive time without sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Resolves after `ms` of this clock's time, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The wall clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort)
        resolve()
      }, ms)
      signal?.addEventListener("abort", onAbort, { once: true })
    })
  },
}

interface Sleeper {
  readonly at: number
  readonly resolve: () => void
}

/** A clock that moves only when `advance` is called; sleepers wake in time order. */
export class FakeClock implements Clock {
  #now: number
  #sleepers: Sleeper[] = []

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper)
        reject(signal?.reason)
      }
      // Woken by advance(): the abort listener goes too, as realClock's does.
      const wake = () => {
        signal?.removeEventListener("abort", onAbort)
        resolve()
      }
      const sleeper: Sleeper = { at: this.#now + Math.max(0, ms), resolve: wake }
      this.#sleepers.push(sleeper)
      signal?.addEventListener("abort", onAbort, { once: true })
    })
  }

  /** Moves time forward by `ms`, waking every sleeper whose time has come. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms
    for (;;) {
      this.#sleepers.sort((a, b) => a.at - b.at)
      const next = this.#sleepers[0]
      if (!next || next.at > target) break
      this.#sleepers.shift()
      this.#now = next.at
      next.resolve()
      // Let the woken task run before the next one wakes.
      await new Promise((r) => setImmediate(r))
    }
    this.#now = target
  }

  /** How many sleepers are waiting. */
  get waiting(): number {
    return this.#sleepers.length
  }
}

/**
 * `ms` as an API object's time: RFC 3339 in UTC to the second (e.g. 2026-01-01T00:00:00Z), as Go's
 * metav1.Time encodes it.
 */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z")
}

/**
 * `ms` as an API object's MicroTime: RFC 3339 in UTC with microseconds (e.g.
 * 2026-01-01T00:00:00.123000Z), as Go's metav1.MicroTime encodes it (Leases, events.k8s.io).
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z")
}

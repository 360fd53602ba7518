/**
 * The delay before a Job replaces failed pods: 10 s after the first failure since the last
 * success, doubling with each further failure, at most 6 minutes (upstream's pod failure
 * backoff). Records live in memory per Job, as upstream keeps them.
 */
import type { Pod } from "./types.ts"
import { finishedTimeOf } from "./pods.ts"

/** The first delay after a failure. */
export const DEFAULT_BACKOFF_MS = 10_000
/** The longest delay. */
export const MAX_BACKOFF_MS = 360_000

/** A Job's failures since its last success. */
export interface BackoffRecord {
  readonly failuresAfterLastSuccess: number
  readonly lastFailureTime?: number
}

const EMPTY: BackoffRecord = { failuresAfterLastSuccess: 0 }

/** The delay after `failures` consecutive failures. */
export function backoffFor(failures: number): number {
  let d = DEFAULT_BACKOFF_MS
  for (let i = 1; i < failures; i++) {
    d *= 2
    if (d >= MAX_BACKOFF_MS) return MAX_BACKOFF_MS
  }
  return d
}

/** How long to wait after `failures` failures, the last at `lastFailure`, as of `now`. */
export function remainingFor(failures: number, lastFailure: number | undefined, now: number): number {
  if (failures === 0 || lastFailure === undefined) return 0
  return Math.max(0, backoffFor(failures) - (now - lastFailure))
}

/** Backoff records of every Job this controller runs, keyed by Job key. */
export class BackoffStore {
  readonly #records = new Map<string, BackoffRecord>()

  /** The record of `key` after seeing newly finished pods (not yet counted in status). */
  next(key: string, succeeded: readonly Pod[], failed: readonly Pod[], now: number): BackoffRecord {
    const prev = this.#records.get(key) ?? EMPTY
    const failTimes = failed.map((p) => finishedTimeOf(p, now)).sort((a, b) => a - b)
    if (succeeded.length === 0) {
      if (failTimes.length === 0) return prev
      return {
        failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failTimes.length,
        lastFailureTime: failTimes[failTimes.length - 1],
      }
    }
    const lastSuccess = Math.max(...succeeded.map((p) => finishedTimeOf(p, now)))
    const after = failTimes.filter((t) => t > lastSuccess)
    return after.length === 0
      ? EMPTY
      : { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1] }
  }

  /** Keeps `record` for `key` (once the pods it counted are recorded in status). */
  set(key: string, record: BackoffRecord): void {
    if (record.failuresAfterLastSuccess === 0) this.#records.delete(key)
    else this.#records.set(key, record)
  }

  /** Forgets `key` (the Job finished or is gone). */
  delete(key: string): void {
    this.#records.delete(key)
  }
}

/** How long before `record` allows new pods, as of `now`. */
export function remainingTime(record: BackoffRecord, now: number): number {
  return remainingFor(record.failuresAfterLastSuccess, record.lastFailureTime, now)
}

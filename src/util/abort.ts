/** Helpers for AbortSignal-driven lifecycles. */
import { realClock } from "./clock.ts"

/** Resolves when `signal` aborts (immediately if it already has). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }))
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts (never rejects): realClock's sleep, whose
 * abort listener goes when the time is up, so a loop that waits on one long-lived signal adds no
 * listener per turn.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return realClock.sleep(ms, signal).catch(() => {})
}

/** True for the error an aborted operation rejects with. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError")
}

/**
 * The loop of the API server's own controllers that work from the watch cache (the
 * ValidatingAdmissionPolicy status, the FlowSchema status): wait for the cache's first list,
 * subscribe, then do work while there is some and sleep until poked, until the signal aborts.
 */
import { whenAborted } from "../util/index.ts"
import type { WatchCache } from "./watch-cache.ts"

/** One controller's part of runCacheLoop. */
export interface CacheLoop {
  readonly cache: WatchCache
  /**
   * Subscribes what calls `poke` when there may be work (once the cache is ready); returns the
   * unsubscribes, called when the loop ends.
   */
  start(poke: () => void): readonly (() => void)[]
  /** Does one piece of work: false when there was none. Errors are its own (it must not throw). */
  step(signal: AbortSignal): Promise<boolean>
}

/**
 * Runs `loop` until `signal` aborts: once the cache has listed (returning at once when stopped
 * before), `step` while it finds work, then a sleep until a poke. A poke during a step that found
 * nothing counts: the loop steps again rather than sleeping.
 */
export async function runCacheLoop(loop: CacheLoop, signal: AbortSignal): Promise<void> {
  await Promise.race([loop.cache.ready(), whenAborted(signal)])
  if (signal.aborted) return
  let wake: (() => void) | undefined
  let poked = false
  const poke = () => {
    poked = true
    wake?.()
  }
  const onAbort = () => wake?.()
  signal.addEventListener("abort", onAbort, { once: true })
  const offs = loop.start(poke)
  try {
    while (!signal.aborted) {
      poked = false
      if (await loop.step(signal)) continue
      if (poked || signal.aborted) continue
      await new Promise<void>((resolve) => (wake = resolve))
      wake = undefined
    }
  } finally {
    signal.removeEventListener("abort", onAbort)
    for (const off of offs) off()
  }
}

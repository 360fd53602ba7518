/** Small helpers shared by the backends for ordered logs and paged lists. */
import type { Entry, ListOptions } from "./store.ts"

/** The first index in the sorted `items` whose key is >= `target`. */
export function lowerBound<T>(items: readonly T[], target: number, keyOf: (t: T) => number): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keyOf(items[mid] as T) < target) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Applies `after` and `limit` to key-sorted entries. */
export function pageOf(
  sorted: Entry[],
  opts: ListOptions,
): { entries: Entry[]; more: boolean; remaining: number } {
  let start = 0
  if (opts.after !== undefined) {
    const after = opts.after
    while (start < sorted.length && (sorted[start] as Entry).key <= after) start++
  }
  const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity
  const entries = sorted.slice(start, start + limit)
  const remaining = Math.max(0, sorted.length - start - entries.length)
  return { entries, more: remaining > 0, remaining }
}

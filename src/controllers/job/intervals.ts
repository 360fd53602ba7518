/**
 * Sets of completion indexes as ordered, disjoint intervals, and their text form in Job status
 * (completedIndexes, failedIndexes): "1,3-5,7", where only runs of three or more use a hyphen.
 */

/** One run of consecutive indexes, both ends included. */
export interface Interval {
  readonly first: number
  readonly last: number
}

/** Ordered, disjoint, non-adjacent intervals. */
export type Intervals = readonly Interval[]

/** How many indexes the intervals hold. */
export function totalOf(intervals: Intervals): number {
  let n = 0
  for (const v of intervals) n += v.last - v.first + 1
  return n
}

/** True when `ix` is in one of the intervals. */
export function hasIndex(intervals: Intervals, ix: number): boolean {
  for (const v of intervals) {
    if (ix < v.first) return false
    if (ix <= v.last) return true
  }
  return false
}

/** The union of two interval sets. */
export function mergeIntervals(a: Intervals, b: Intervals): Intervals {
  const all = [...a, ...b].sort((x, y) => x.first - y.first)
  const out: Interval[] = []
  for (const v of all) {
    const prev = out[out.length - 1]
    if (prev && v.first <= prev.last + 1) {
      if (v.last > prev.last) out[out.length - 1] = { first: prev.first, last: v.last }
    } else out.push(v)
  }
  return out
}

/** The intervals plus each of `indexes` (any order, repeats allowed). */
export function withIndexes(intervals: Intervals, indexes: Iterable<number>): Intervals {
  const single = [...new Set(indexes)].sort((x, y) => x - y).map((i) => ({ first: i, last: i }))
  return mergeIntervals(intervals, single)
}

/** The status text of the intervals, e.g. "1,3-5,7" (two neighbours are written "3,4"). */
export function formatIntervals(intervals: Intervals): string {
  const parts: string[] = []
  for (const v of intervals) {
    if (v.last === v.first) parts.push(String(v.first))
    else if (v.last === v.first + 1) parts.push(`${v.first},${v.last}`)
    else parts.push(`${v.first}-${v.last}`)
  }
  return parts.join(",")
}

/**
 * Parses a status or success-policy text of indexes, keeping only those below `completions`.
 * Malformed parts end the parse (what was read before them is kept), as upstream.
 */
export function parseIntervals(text: string | undefined, completions: number): Intervals {
  if (!text) return []
  const out: Interval[] = []
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (!m) break
    const first = Number(m[1])
    let last = m[2] === undefined ? first : Number(m[2])
    if (first >= completions || last < first) break
    if (last >= completions) last = completions - 1
    const prev = out[out.length - 1]
    if (prev && first <= prev.last) break
    out.push({ first, last })
  }
  return mergeIntervals(out, [])
}

/**
 * The first `n` items of an order without sorting them all: a selection (quickselect, expected
 * time linear in the items) moves the `n` least to the front, and only those are sorted.
 */

/**
 * The `n` least of `items` by `compare`, in order; reorders `items`. `compare` must tell any two
 * items apart (break ties, by an index for instance) and be consistent: then the result is the
 * first `n` of `items.sort(compare)`, whichever order the items came in.
 */
export function smallest<T>(items: T[], n: number, compare: (a: T, b: T) => number): T[] {
  if (n <= 0) return []
  if (n < items.length) selectLeast(items, n - 1, compare)
  const head = n < items.length ? items.slice(0, n) : items
  return head.sort(compare)
}

/** Rearranges `items` so that the one at `k` is in its sorted place, those before it no greater. */
function selectLeast<T>(items: T[], k: number, compare: (a: T, b: T) => number): void {
  let lo = 0
  let hi = items.length - 1
  while (lo < hi) {
    const pivot = medianOfThree(items, lo, (lo + hi) >>> 1, hi, compare)
    let i = lo
    let j = hi
    while (i <= j) {
      while (compare(items[i] as T, pivot) < 0) i++
      while (compare(items[j] as T, pivot) > 0) j--
      if (i <= j) {
        swap(items, i++, j--)
      }
    }
    // Now items[lo..j] <= pivot <= items[i..hi], and anything between them is the pivot.
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return
  }
}

/** Orders items[a], items[b], items[c] among themselves and returns the middle one. */
function medianOfThree<T>(items: T[], a: number, b: number, c: number, compare: (x: T, y: T) => number): T {
  if (compare(items[b] as T, items[a] as T) < 0) swap(items, a, b)
  if (compare(items[c] as T, items[b] as T) < 0) {
    swap(items, b, c)
    if (compare(items[b] as T, items[a] as T) < 0) swap(items, a, b)
  }
  return items[b] as T
}

function swap<T>(items: T[], i: number, j: number): void {
  const t = items[i] as T
  items[i] = items[j] as T
  items[j] = t
}

/**
 * Numbers per topology pair (a label key and one of its values), filed by key so a node's
 * pairs are found by reading only the keys that have any, without building "key=value" strings.
 */

/** Counts or scores per topology pair. */
export class TopologyCounts {
  readonly #byKey = new Map<string, Map<string, number>>()
  #pairs = 0

  /** How many pairs have an entry. */
  get size(): number {
    return this.#pairs
  }

  /** Adds `by` to the pair (key, value). */
  add(key: string, value: string, by = 1): void {
    let m = this.#byKey.get(key)
    if (!m) this.#byKey.set(key, (m = new Map()))
    const have = m.get(value)
    if (have === undefined) this.#pairs++
    m.set(value, (have ?? 0) + by)
  }

  /** Adds `by` (maybe negative) to the pair and drops the pair when it comes to 0 (upstream's update). */
  update(key: string, value: string, by: number): void {
    this.add(key, value, by)
    const m = this.#byKey.get(key)
    if (m?.get(value) !== 0) return
    m.delete(value)
    this.#pairs--
    if (m.size === 0) this.#byKey.delete(key)
  }

  /** A copy that changes independently. */
  clone(): TopologyCounts {
    const c = new TopologyCounts()
    for (const [key, m] of this.#byKey) c.#byKey.set(key, new Map(m))
    c.#pairs = this.#pairs
    return c
  }

  /** The number of the pair (0 when absent). */
  get(key: string, value: string): number {
    return this.#byKey.get(key)?.get(value) ?? 0
  }

  /** The sum over the pairs a node with `labels` is in. */
  sumFor(labels: Readonly<Record<string, string>>): number {
    let s = 0
    for (const [key, m] of this.#byKey) {
      const v = labels[key]
      if (v !== undefined) s += m.get(v) ?? 0
    }
    return s
  }

  /** True when any pair a node with `labels` is in has a positive number. */
  anyFor(labels: Readonly<Record<string, string>>): boolean {
    for (const [key, m] of this.#byKey) {
      const v = labels[key]
      if (v !== undefined && (m.get(v) ?? 0) > 0) return true
    }
    return false
  }
}

/** Per-attempt scratch space shared by the plugins of one scheduling cycle (upstream's CycleState). */

/** Data plugins write at pre-filter or pre-score and read at filter or score, keyed by plugin. */
export class CycleState {
  readonly #data = new Map<string, unknown>()
  /** Set when preScore chose to skip a plugin's score for this pod. */
  readonly skipScore = new Set<string>()
  /** Set when preFilter chose to skip a plugin's filter for this pod. */
  readonly skipFilter = new Set<string>()
  /** The filters left to run for this pod once pre-filter chose what to skip (set by the runner). */
  filters: readonly unknown[] | undefined

  /** The value under `key`, if any. */
  read<T>(key: string): T | undefined {
    return this.#data.get(key) as T | undefined
  }

  /** Stores `value` under `key`. */
  write(key: string, value: unknown): void {
    this.#data.set(key, value)
  }

  /** A shallow copy (values are shared; plugins treat them as immutable). */
  clone(): CycleState {
    const c = new CycleState()
    for (const [k, v] of this.#data) c.#data.set(k, v)
    for (const s of this.skipScore) c.skipScore.add(s)
    for (const s of this.skipFilter) c.skipFilter.add(s)
    c.filters = this.filters
    return c
  }
}

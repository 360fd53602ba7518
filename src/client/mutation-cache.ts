/**
 * A cache overlay holding the objects a controller itself wrote until its informer catches up
 * (client-go's MutationCache with integer resourceVersions): a reconcile that runs again before
 * the watch delivered its own last write reads that write, not the older cached version, so it
 * neither repeats the write nor sends a stale resourceVersion that can only end in a Conflict.
 */
import { type ApiObject, keyOf } from "../api/index.ts"
import { deepFreeze } from "../util/index.ts"
import type { Cache } from "./cache.ts"

/** How many written objects the overlay keeps at most (the oldest go first). */
const MAX_ENTRIES = 4096

function revision(obj: ApiObject): number {
  const rv = Number(obj.metadata?.resourceVersion)
  return Number.isSafeInteger(rv) ? rv : -1
}

/** A Cache that prefers an object written through `mutated` while it is newer than the cached one. */
export class MutationCache<T extends ApiObject> implements Cache<T> {
  readonly #backing: Cache<T>
  readonly #written = new Map<string, T>()

  constructor(backing: Cache<T>) {
    this.#backing = backing
  }

  /** Records an object as the API server returned it after a write (frozen, shared). */
  mutated(obj: T): void {
    if (revision(obj) < 0) return
    const key = keyOf(obj)
    this.#written.delete(key) // re-inserted last: the overlay drops its oldest entries first
    this.#written.set(key, deepFreeze(obj))
    if (this.#written.size > MAX_ENTRIES) this.#written.delete(this.#written.keys().next().value as string)
  }

  get(key: string): T | undefined {
    return this.#newer(key, this.#backing.get(key))
  }

  list(namespace?: string): T[] {
    return this.#all(this.#backing.list(namespace))
  }

  byIndex(index: string, value: string): T[] {
    return this.#all(this.#backing.byIndex(index, value))
  }

  keys(): string[] {
    return this.#backing.keys()
  }

  get size(): number {
    return this.#backing.size
  }

  #all(items: T[]): T[] {
    if (this.#written.size === 0) return items
    return items.map((obj) => this.#newer(keyOf(obj), obj) as T)
  }

  /**
   * The written object when it is the same object (uid) at a later version than `cached`; drops
   * it once the cache has caught up or the object is gone.
   */
  #newer(key: string, cached: T | undefined): T | undefined {
    const mine = this.#written.get(key)
    if (!mine) return cached
    if (cached && cached.metadata?.uid === mine.metadata?.uid && revision(mine) > revision(cached)) {
      return mine
    }
    this.#written.delete(key)
    return cached
  }
}

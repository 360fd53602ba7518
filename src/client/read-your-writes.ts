/**
 * Read-your-writes over an informer cache: a controller remembers the object each of its writes
 * returned, and reads whichever is newer, the cached copy or its own last write, so a sync that
 * runs before the watch delivers that write does not act on a stale status.
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"

/** An object with metadata (uid and resourceVersion are what this compares). */
interface WithMeta {
  readonly metadata?: ObjectMeta
}

/** The store revision an object was written at (0 when unknown). */
function revisionOf(obj: WithMeta | undefined): number {
  return Number(obj?.metadata?.resourceVersion ?? 0) || 0
}

/** The last object each key's writes returned, until the informer cache catches up with it. */
export class WrittenObjects<T extends WithMeta> {
  readonly #written = new Map<string, T>()

  /** Remembers what a write of `key` returned. */
  remember(key: string, obj: T): void {
    this.#written.set(key, obj)
  }

  /**
   * The newer of `cached` and the last write of `key`. The write is forgotten once the cache
   * holds it (or something newer), or when the object was replaced (another uid) or is gone.
   */
  freshest(key: string, cached: T | undefined): T | undefined {
    const written = this.#written.get(key)
    if (!written) return cached
    if (
      !cached ||
      cached.metadata?.uid !== written.metadata?.uid ||
      revisionOf(cached) >= revisionOf(written)
    ) {
      this.#written.delete(key)
      return cached
    }
    return written
  }
}

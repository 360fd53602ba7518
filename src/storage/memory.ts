/** A Store held in memory: for tests and simulated clusters. Nothing survives the process. */
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
  StoreClosedError,
} from "./errors.ts"
import {
  type Entry,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreEvent,
  prefixEnd,
} from "./store.ts"
import { WatchHub } from "./watch-hub.ts"
import { lowerBound, pageOf } from "./paging.ts"

/** MemoryStore: a Map of live entries plus an event log trimmed by compaction. */
export class MemoryStore implements Store {
  readonly #current = new Map<string, Entry>()
  /** Events after the compacted revision, in revision order. */
  #log: StoreEvent[] = []
  #revision = 0
  #compacted = 0
  #closed = false
  readonly #hub: WatchHub

  constructor() {
    this.#hub = new WatchHub({
      history: (prefix, after, limit) => {
        const out: StoreEvent[] = []
        for (let i = lowerBound(this.#log, after + 1, (e) => e.entry.revision); i < this.#log.length; i++) {
          const ev = this.#log[i] as StoreEvent
          if (ev.entry.key.startsWith(prefix)) out.push(ev)
          if (out.length >= limit) break
        }
        return out
      },
      compacted: () => this.#compacted,
    })
  }

  #check(): void {
    if (this.#closed) throw new StoreClosedError()
  }

  #commit(ev: StoreEvent): Entry {
    this.#log.push(ev)
    if (ev.type === "put") this.#current.set(ev.entry.key, ev.entry)
    else this.#current.delete(ev.entry.key)
    this.#hub.publish([ev])
    return ev.entry
  }

  async get(key: string): Promise<Entry | undefined> {
    this.#check()
    return this.#current.get(key)
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.#check()
    const at = opts.revision && opts.revision > 0 ? opts.revision : this.#revision
    if (at < this.#compacted) throw new CompactedError(at, this.#compacted)
    const end = prefixEnd(prefix)
    const state = new Map<string, Entry>()
    for (const [k, e] of this.#current) if (k >= prefix && k < end) state.set(k, e)
    // Walk back from the newest event to `at`, undoing each change.
    for (let i = this.#log.length - 1; i >= 0; i--) {
      const ev = this.#log[i] as StoreEvent
      if (ev.entry.revision <= at) break
      const k = ev.entry.key
      if (k < prefix || k >= end) continue
      if (ev.prev) state.set(k, ev.prev)
      else state.delete(k)
    }
    const sorted = [...state.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return { ...pageOf(sorted, opts), revision: Math.min(at, this.#revision) }
  }

  async create(key: string, value: string): Promise<Entry> {
    this.#check()
    if (this.#current.has(key)) throw new KeyExistsError(key)
    const revision = ++this.#revision
    return this.#commit({ type: "put", entry: { key, value, revision, createRevision: revision } })
  }

  async update(key: string, value: string, expectedRevision: number): Promise<Entry> {
    this.#check()
    const prev = this.#current.get(key)
    if (!prev) throw new KeyNotFoundError(key)
    if (prev.revision !== expectedRevision) throw new RevisionConflictError(key, expectedRevision, prev)
    const revision = ++this.#revision
    return this.#commit({
      type: "put",
      entry: { key, value, revision, createRevision: prev.createRevision },
      prev,
    })
  }

  async delete(key: string, expectedRevision?: number): Promise<Entry> {
    this.#check()
    const prev = this.#current.get(key)
    if (!prev) throw new KeyNotFoundError(key)
    if (expectedRevision !== undefined && prev.revision !== expectedRevision) {
      throw new RevisionConflictError(key, expectedRevision, prev)
    }
    const revision = ++this.#revision
    return this.#commit({ type: "delete", entry: { ...prev, revision }, prev })
  }

  watch(prefix: string, from: number, signal: AbortSignal): AsyncIterable<StoreEvent> {
    return this.#hub.watch(prefix, from, signal)
  }

  async compact(revision: number): Promise<void> {
    this.#check()
    const target = Math.min(revision, this.#revision)
    if (target <= this.#compacted) return
    this.#log = this.#log.slice(lowerBound(this.#log, target + 1, (e) => e.entry.revision))
    this.#compacted = target
  }

  async revision(): Promise<number> {
    this.#check()
    return this.#revision
  }

  async compactedRevision(): Promise<number> {
    return this.#compacted
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#hub.close()
  }
}

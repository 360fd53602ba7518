/** Fans committed events out to watchers, after replaying each watcher's missed history. */
import { AsyncQueue } from "../util/index.ts"
import { CompactedError, StoreClosedError } from "./errors.ts"
import type { StoreEvent } from "./store.ts"

/** What a backend gives the hub: synchronous reads of its committed history. */
export interface HubSource {
  /** Up to `limit` committed events under `prefix` with revision > `after`, in order. */
  history(prefix: string, after: number, limit: number): StoreEvent[]
  /** The compacted revision. */
  compacted(): number
}

interface Watcher {
  readonly prefix: string
  readonly queue: AsyncQueue<StoreEvent>
  last: number
}

const REPLAY_BATCH = 1000

/**
 * Delivers each committed event to every watcher whose prefix matches. A watcher replays its
 * history in batches, then joins the live set in the same synchronous step as its last history
 * read, so no event is missed or seen twice. A watcher more than `maxBacklog` events behind is
 * ended with a CompactedError (its consumer re-lists), so one stuck reader cannot exhaust memory.
 */
export class WatchHub {
  readonly #source: HubSource
  readonly #maxBacklog: number
  readonly #live = new Set<Watcher>()
  #closed = false

  constructor(source: HubSource, maxBacklog = 250_000) {
    this.#source = source
    this.#maxBacklog = maxBacklog
  }

  /** Number of live watchers. */
  get size(): number {
    return this.#live.size
  }

  watch(prefix: string, from: number, signal: AbortSignal): AsyncIterable<StoreEvent> {
    return { [Symbol.asyncIterator]: () => this.#start(prefix, from, signal) }
  }

  #start(prefix: string, from: number, signal: AbortSignal): AsyncIterator<StoreEvent> {
    const queue = new AsyncQueue<StoreEvent>()
    if (this.#closed) {
      queue.fail(new StoreClosedError())
      return queue
    }
    const compacted = this.#source.compacted()
    if (from < compacted) {
      queue.fail(new CompactedError(from, compacted))
      return queue
    }
    const watcher: Watcher = { prefix, queue, last: from }
    const stop = () => {
      this.#live.delete(watcher)
      queue.close()
    }
    if (signal.aborted) {
      queue.close()
      return queue
    }
    signal.addEventListener("abort", stop, { once: true })
    this.#replay(watcher, signal)
    const ret = queue.return.bind(queue)
    queue.return = () => {
      signal.removeEventListener("abort", stop)
      this.#live.delete(watcher)
      return ret()
    }
    return queue
  }

  #replay(watcher: Watcher, signal: AbortSignal): void {
    if (signal.aborted || watcher.queue.closed) return
    let batch: StoreEvent[]
    try {
      batch = this.#source.history(watcher.prefix, watcher.last, REPLAY_BATCH)
    } catch (err) {
      watcher.queue.fail(err)
      return
    }
    for (const ev of batch) watcher.queue.push(ev)
    const lastEvent = batch[batch.length - 1]
    if (lastEvent) watcher.last = lastEvent.entry.revision
    if (batch.length < REPLAY_BATCH) {
      this.#live.add(watcher) // caught up: join in the same tick as the last read
      return
    }
    // More history: read the next batch once this one is being consumed.
    setImmediate(() => this.#replay(watcher, signal))
  }

  /** Delivers committed events (in revision order) to matching live watchers. */
  publish(events: readonly StoreEvent[]): void {
    for (const w of this.#live) {
      for (const ev of events) {
        if (ev.entry.revision <= w.last || !ev.entry.key.startsWith(w.prefix)) continue
        w.last = ev.entry.revision
        w.queue.push(ev)
      }
      if (w.queue.size > this.#maxBacklog) {
        this.#live.delete(w)
        w.queue.fail(
          new CompactedError(w.last, w.last, `Watch on "${w.prefix}" fell too far behind; re-list`),
        )
      }
    }
  }

  /** Ends every watch. */
  close(): void {
    this.#closed = true
    for (const w of this.#live) w.queue.close()
    this.#live.clear()
  }
}

/**
 * SqliteStore: the default embedded backend, a kine-like revision log in one SQLite file.
 *
 * `log` holds every write (the row id is the revision; deletes are tombstones carrying the
 * deleted value); `kv` points each live key at its latest row. Writes are queued and committed
 * together once per event-loop tick (group commit) in WAL mode. A write resolves (and its event
 * reaches watchers) only once the WAL holding its commit is synced to disk, as synchronous=FULL
 * would; the sync runs on libuv's thread pool instead of blocking the event loop inside COMMIT,
 * and the commits made while one sync runs share the next. Reads (get, list, a watcher's replay)
 * may see a commit whose sync is still running: after a power loss (not a process crash) such a
 * write, never acknowledged, can be gone. Compaction runs in small batches in the background.
 */
import { closeSync, fdatasync, openSync } from "node:fs"
import Database from "better-sqlite3"
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
import { SCHEMA, type Row, statements } from "./_sqlite-sql.ts"

/** Options of SqliteStore.open. */
export interface SqliteOptions {
  /** How often to compact old history in the background, in ms (0 disables). Default 60 s. */
  readonly compactIntervalMs?: number
  /** How many recent revisions background compaction keeps. Default 10,000. */
  readonly retainRevisions?: number
}

type Op =
  | { kind: "create"; key: string; value: string; done: Settle }
  | { kind: "update"; key: string; value: string; expected: number; done: Settle }
  | { kind: "delete"; key: string; expected?: number; done: Settle }

interface Settle {
  resolve(e: Entry): void
  reject(err: unknown): void
}

const COMPACT_BATCH = 2000

/** One committed transaction's writes and their outcomes, waiting for the WAL sync. */
interface Committed {
  readonly ops: Op[]
  readonly results: (StoreEvent | Error)[]
}

function entryOf(row: Row): Entry {
  return { key: row.name, value: row.value, revision: row.id, createRevision: row.create_revision }
}

/** SqliteStore: see the module comment. */
export class SqliteStore implements Store {
  readonly #db: Database.Database
  readonly #sql: ReturnType<typeof statements>
  readonly #hub: WatchHub
  #revision: number
  #compacted: number
  #queue: Op[] = []
  #flushScheduled = false
  #closed = false
  #compactTimer: NodeJS.Timeout | undefined
  #compacting: Promise<void> | undefined
  readonly #retain: number
  /** The WAL file (opened at the first commit); undefined for an in-memory database. */
  #walFd: number | undefined
  readonly #walPath: string | undefined
  /** Commits not yet covered by a finished WAL sync, oldest first. */
  #unsynced: Committed[] = []
  /** The WAL sync in flight. */
  #syncing: Promise<void> | undefined

  private constructor(db: Database.Database, opts: SqliteOptions, walPath: string | undefined) {
    this.#db = db
    this.#walPath = walPath
    this.#sql = statements(db)
    this.#revision = Math.max(this.#sql.maxId.get()?.v ?? 0, this.#sql.getMeta.get("revision")?.v ?? 0)
    this.#compacted = this.#sql.getMeta.get("compacted")?.v ?? 0
    this.#retain = opts.retainRevisions ?? 10_000
    this.#hub = new WatchHub({
      history: (prefix, after, limit) => this.#history(prefix, after, limit),
      compacted: () => this.#compacted,
    })
    const every = opts.compactIntervalMs ?? 60_000
    if (every > 0) {
      this.#compactTimer = setInterval(() => {
        const target = this.#revision - this.#retain
        if (target > this.#compacted && !this.#compacting) void this.compact(target).catch(() => {})
      }, every)
      this.#compactTimer.unref()
    }
  }

  /** Opens (creating if needed) the database at `path` (":memory:" for a throwaway one). */
  static open(path: string, opts: SqliteOptions = {}): SqliteStore {
    const db = new Database(path)
    const wal = db.pragma("journal_mode = WAL", { simple: true }) === "wal"
    // The commit's own sync is done off the event loop (see #sync): NORMAL skips only that one.
    db.pragma(wal ? "synchronous = NORMAL" : "synchronous = FULL")
    db.pragma("busy_timeout = 5000")
    db.pragma("journal_size_limit = 67108864")
    db.exec(SCHEMA)
    return new SqliteStore(db, opts, wal ? `${db.name}-wal` : undefined)
  }

  #check(): void {
    if (this.#closed) throw new StoreClosedError()
  }

  #history(prefix: string, after: number, limit: number): StoreEvent[] {
    const rows = this.#sql.history.all(after, prefix, prefixEnd(prefix), limit)
    return rows.map((row) => {
      const prevRow = row.prev_revision ? this.#sql.byId.get(row.prev_revision) : undefined
      const prev = prevRow ? entryOf(prevRow) : undefined
      return { type: row.deleted ? "delete" : "put", entry: entryOf(row), ...(prev ? { prev } : {}) }
    })
  }

  async get(key: string): Promise<Entry | undefined> {
    this.#check()
    const row = this.#sql.get.get(key)
    return row ? entryOf(row) : undefined
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.#check()
    const current = this.#revision
    const at = opts.revision && opts.revision > 0 ? Math.min(opts.revision, current) : current
    if (at < this.#compacted) throw new CompactedError(at, this.#compacted)
    const start = opts.after ?? ""
    const end = prefixEnd(prefix)
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1
    const rows =
      at === current
        ? this.#sql.listCurrent.all(prefix, end, start, limit)
        : this.#sql.listAt.all(prefix, end, start, at, limit)
    const entries = rows.map(entryOf)
    let remaining = 0
    const last = entries[entries.length - 1]
    if (limit > 0 && entries.length === limit && last) {
      remaining =
        at === current
          ? (this.#sql.countCurrent.get(last.key, end)?.n ?? 0)
          : (this.#sql.countAt.get(last.key, end, at)?.n ?? 0)
    }
    return { entries, revision: at, more: remaining > 0, remaining }
  }

  #enqueue(op: Op): void {
    this.#queue.push(op)
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      setImmediate(() => this.#flush())
    }
  }

  create(key: string, value: string): Promise<Entry> {
    return new Promise((resolve, reject) => {
      this.#check()
      this.#enqueue({ kind: "create", key, value, done: { resolve, reject } })
    })
  }

  update(key: string, value: string, expectedRevision: number): Promise<Entry> {
    return new Promise((resolve, reject) => {
      this.#check()
      this.#enqueue({ kind: "update", key, value, expected: expectedRevision, done: { resolve, reject } })
    })
  }

  delete(key: string, expectedRevision?: number): Promise<Entry> {
    return new Promise((resolve, reject) => {
      this.#check()
      this.#enqueue({ kind: "delete", key, expected: expectedRevision, done: { resolve, reject } })
    })
  }

  /** Applies one queued write inside the open transaction; returns its event or its error. */
  #apply(op: Op): StoreEvent | Error {
    const curRow = this.#sql.get.get(op.key)
    const cur = curRow ? entryOf(curRow) : undefined
    if (op.kind === "create") {
      if (cur) return new KeyExistsError(op.key)
    } else {
      if (!cur) return new KeyNotFoundError(op.key)
      if (op.expected !== undefined && cur.revision !== op.expected) {
        return new RevisionConflictError(op.key, op.expected, cur)
      }
    }
    const revision = this.#revision + 1
    if (op.kind === "delete") {
      const c = cur as Entry
      this.#sql.insert.run(revision, op.key, c.createRevision, c.revision, 1, c.value)
      this.#sql.kvDelete.run(op.key)
      this.#revision = revision
      return { type: "delete", entry: { ...c, revision }, prev: c }
    }
    const createRevision = cur ? cur.createRevision : revision
    this.#sql.insert.run(revision, op.key, createRevision, cur?.revision ?? 0, 0, op.value)
    this.#sql.kvPut.run(op.key, revision)
    this.#revision = revision
    const entry = { key: op.key, value: op.value, revision, createRevision }
    return cur ? { type: "put", entry, prev: cur } : { type: "put", entry }
  }

  #flush(): void {
    this.#flushScheduled = false
    const ops = this.#queue
    this.#queue = []
    if (ops.length === 0) return
    const startRevision = this.#revision
    let results: (StoreEvent | Error)[]
    try {
      results = this.#db
        .transaction(() => {
          const out = ops.map((op) => this.#apply(op))
          if (this.#revision !== startRevision) this.#sql.setMeta.run("revision", this.#revision)
          return out
        })
        .immediate()
    } catch (err) {
      this.#revision = startRevision // rolled back: nothing was written
      for (const op of ops) op.done.reject(err)
      return
    }
    this.#unsynced.push({ ops, results })
    if (this.#walPath === undefined) this.#settle(this.#unsynced.splice(0), undefined)
    else this.#sync()
  }

  /**
   * Syncs the WAL (once no sync is in flight) and then settles every commit made before it
   * started; commits made meanwhile wait for the next sync.
   */
  #sync(): void {
    if (this.#syncing || this.#unsynced.length === 0) return
    const batch = this.#unsynced.splice(0)
    this.#walFd ??= openSync(this.#walPath as string, "r+")
    this.#syncing = new Promise((resolve) => {
      fdatasync(this.#walFd as number, (err) => {
        this.#syncing = undefined
        this.#settle(batch, err ?? undefined)
        resolve()
        this.#sync()
      })
    })
  }

  /** Resolves or rejects the writes of synced commits and publishes their events. */
  #settle(batch: readonly Committed[], syncError: Error | undefined): void {
    const events: StoreEvent[] = []
    for (const { ops, results } of batch) {
      results.forEach((r, i) => {
        const op = ops[i] as Op
        if (r instanceof Error) op.done.reject(r)
        else {
          events.push(r)
          // Committed but maybe not on disk: the writer learns that; watchers still see the state.
          if (syncError) op.done.reject(syncError)
          else op.done.resolve(r.entry)
        }
      })
    }
    if (events.length) this.#hub.publish(events)
  }

  watch(prefix: string, from: number, signal: AbortSignal): AsyncIterable<StoreEvent> {
    return this.#hub.watch(prefix, from, signal)
  }

  compact(revision: number): Promise<void> {
    this.#check()
    const target = Math.min(revision, this.#revision)
    if (target <= this.#compacted) return this.#compacting ?? Promise.resolve()
    const from = this.#compacted
    // Mark first: readers of older revisions fail at once instead of seeing half-deleted history.
    this.#sql.setMeta.run("compacted", target)
    this.#compacted = target
    const previous = this.#compacting ?? Promise.resolve()
    const run = previous.then(() => this.#compactRange(from, target))
    this.#compacting = run.finally(() => {
      if (this.#compacting === tracked) this.#compacting = undefined
    })
    const tracked = this.#compacting
    return run
  }

  /** Deletes superseded rows in (from, to] a batch per tick, so writers are never held for long. */
  async #compactRange(from: number, to: number): Promise<void> {
    for (let lo = from; lo < to && !this.#closed; lo += COMPACT_BATCH) {
      const hi = Math.min(lo + COMPACT_BATCH, to)
      this.#sql.compactBatch.run(lo, hi, to)
      await new Promise((r) => setImmediate(r))
    }
  }

  async revision(): Promise<number> {
    this.#check()
    return this.#revision
  }

  async compactedRevision(): Promise<number> {
    return this.#compacted
  }

  async close(): Promise<void> {
    if (this.#closed) return
    if (this.#compactTimer) clearInterval(this.#compactTimer)
    await this.#compacting?.catch(() => {})
    // Let queued writes commit and reach the disk before closing (no await after the loop).
    while (this.#queue.length || this.#syncing) {
      if (this.#queue.length) this.#flush()
      await this.#syncing
    }
    this.#closed = true
    this.#hub.close()
    this.#db.close()
    if (this.#walFd !== undefined) closeSync(this.#walFd)
  }
}

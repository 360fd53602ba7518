/**
 * SqliteStore: the default embedded backend, a kine-like revision log in one SQLite file.
 *
 * `log` holds every write (the row id is the revision; deletes are tombstones carrying the
 * deleted value); `kv` points each live key at its latest row. Writes are queued and committed
 * together once per event-loop tick (group commit) in WAL mode, and acknowledged once an fsync
 * of the WAL has put them on disk, so every write that resolved is on disk (synchronous=FULL's
 * guarantee). The fsync runs off the event loop, so requests go on being handled meanwhile;
 * the next batch commits when it is done, and reads wait for it, so nothing reads a commit
 * before it is durable. Checkpoints of the WAL run on a worker thread (_sqlite-checkpointer.ts),
 * not at commits on the event loop. Compaction runs in small batches in the background.
 */
import { fsync, openSync, closeSync } from "node:fs"
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
import { Checkpointer } from "./_sqlite-checkpointer.ts"

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

/**
 * The page size of a new database. Objects are a few KB of JSON: with SQLite's default 4 KiB pages
 * most rows spill onto an overflow page and a commit writes several WAL frames per object (two
 * writes each); 16 KiB pages hold a few rows each, so a commit writes a fraction of the frames
 * (the store's CPU per 4.6 KB create, a write syscall being most of it: 18.9 -> 15.6 us).
 */
const PAGE_SIZE = 16384

/**
 * The WAL file of `db` opened for fsync, with SQLite's sync on commit turned off (NORMAL keeps
 * its syncs at checkpoints, where it copies the WAL into the database); undefined, leaving
 * synchronous=FULL, for a database without one (in memory).
 */
function walOf(db: Database.Database): number | undefined {
  if (db.memory || db.pragma("journal_mode", { simple: true }) !== "wal") return undefined
  db.prepare("SELECT 1 FROM meta LIMIT 1").get() // a read opens (creates) the WAL file
  let fd: number
  try {
    fd = openSync(`${db.name}-wal`, "r")
  } catch {
    return undefined
  }
  db.pragma("synchronous = NORMAL")
  return fd
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
  /** The WAL, fsynced after each commit; undefined when SQLite syncs on commit itself. */
  readonly #walFd: number | undefined
  /** The fsync making the last commit durable, while it runs. */
  #syncing: Promise<void> | undefined
  /** The revision on disk (writes after it await #syncing). */
  #durableRevision = 0
  /** The error of a failed fsync: the store refuses everything after one. */
  #failed: Error | undefined
  /** Checkpoints the WAL off the event loop (with a WAL file). */
  readonly #checkpointer: Checkpointer | undefined
  /** The checkpoint running, while it runs: the next batch commits after it. */
  #checkpointing: Promise<void> | undefined
  /** Applies a batch in one transaction (made once: better-sqlite3 builds wrappers per call). */
  readonly #commit: Database.Transaction<(ops: Op[], startRevision: number) => (StoreEvent | Error)[]>

  private constructor(db: Database.Database, opts: SqliteOptions, walFd: number | undefined) {
    this.#db = db
    this.#walFd = walFd
    this.#checkpointer = walFd === undefined ? undefined : new Checkpointer(db)
    this.#sql = statements(db)
    this.#commit = db.transaction((ops: Op[], startRevision: number) => {
      const out = ops.map((op) => this.#apply(op))
      if (this.#revision !== startRevision) this.#sql.setMeta.run("revision", this.#revision)
      return out
    })
    this.#revision = Math.max(this.#sql.maxId.get()?.v ?? 0, this.#sql.getMeta.get("revision")?.v ?? 0)
    this.#durableRevision = this.#revision
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
    db.pragma(`page_size = ${PAGE_SIZE}`) // a new database's only: an existing one keeps its own
    db.pragma("journal_mode = WAL")
    db.pragma("synchronous = FULL")
    db.pragma("busy_timeout = 5000")
    db.pragma("journal_size_limit = 67108864")
    db.exec(SCHEMA)
    return new SqliteStore(db, opts, walOf(db))
  }

  /** Resolves once no commit is waiting for its fsync: what is read then is on disk. */
  async #durable(): Promise<void> {
    while (this.#syncing) await this.#syncing
  }

  #check(): void {
    if (this.#failed) throw this.#failed
    if (this.#closed) throw new StoreClosedError()
  }

  #history(prefix: string, after: number, limit: number): StoreEvent[] {
    let rows = this.#sql.history.all(after, prefix, prefixEnd(prefix), limit)
    // A commit still being synced is not history yet: its events come when it is durable.
    if (this.#syncing) rows = rows.filter((row) => row.id <= this.#durableRevision)
    return rows.map((row) => {
      const prevRow = row.prev_revision ? this.#sql.byId.get(row.prev_revision) : undefined
      const prev = prevRow ? entryOf(prevRow) : undefined
      return { type: row.deleted ? "delete" : "put", entry: entryOf(row), ...(prev ? { prev } : {}) }
    })
  }

  async get(key: string): Promise<Entry | undefined> {
    this.#check()
    await this.#durable()
    const row = this.#sql.get.get(key)
    return row ? entryOf(row) : undefined
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.#check()
    await this.#durable()
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
    if (op.kind === "create") return this.#create(op.key, op.value)
    const curRow = this.#sql.get.get(op.key)
    if (!curRow) return new KeyNotFoundError(op.key)
    const cur = entryOf(curRow)
    if (op.expected !== undefined && cur.revision !== op.expected) {
      return new RevisionConflictError(op.key, op.expected, cur)
    }
    const revision = this.#revision + 1
    if (op.kind === "delete") {
      this.#sql.insert.run(revision, op.key, cur.createRevision, cur.revision, 1, cur.value)
      this.#sql.kvDelete.run(op.key)
      this.#revision = revision
      return { type: "delete", entry: { ...cur, revision }, prev: cur }
    }
    this.#sql.insert.run(revision, op.key, cur.createRevision, cur.revision, 0, op.value)
    this.#sql.kvPut.run(op.key, revision)
    this.#revision = revision
    return {
      type: "put",
      entry: { key: op.key, value: op.value, revision, createRevision: cur.createRevision },
      prev: cur,
    }
  }

  /** A create inside the open transaction: the key's row in kv first, which also checks it is new. */
  #create(key: string, value: string): StoreEvent | Error {
    const revision = this.#revision + 1
    if (this.#sql.kvInsert.run(key, revision).changes === 0) return new KeyExistsError(key)
    this.#sql.insert.run(revision, key, revision, 0, 0, value)
    this.#revision = revision
    return { type: "put", entry: { key, value, revision, createRevision: revision } }
  }

  #flush(): void {
    this.#flushScheduled = false
    // The end of the running fsync or checkpoint commits what queued meanwhile.
    if (this.#syncing || this.#checkpointing) return
    const ops = this.#queue
    this.#queue = []
    if (ops.length === 0) return
    const startRevision = this.#revision
    let results: (StoreEvent | Error)[]
    try {
      results = this.#commit.immediate(ops, startRevision)
    } catch (err) {
      this.#revision = startRevision // rolled back: nothing was written
      for (const op of ops) op.done.reject(err)
      return
    }
    if (this.#walFd === undefined || this.#revision === startRevision) this.#settle(ops, results)
    else this.#sync(this.#walFd, ops, results)
  }

  /** Answers a committed batch: each write's entry or error, and its events to the watchers. */
  #settle(ops: Op[], results: (StoreEvent | Error)[]): void {
    const events: StoreEvent[] = []
    results.forEach((r, i) => {
      const op = ops[i] as Op
      if (r instanceof Error) op.done.reject(r)
      else {
        events.push(r)
        op.done.resolve(r.entry)
      }
    })
    if (events.length) this.#hub.publish(events)
  }

  /** Settles a committed batch once an fsync of the WAL has put it on disk. */
  #sync(fd: number, ops: Op[], results: (StoreEvent | Error)[]): void {
    this.#syncing = new Promise<void>((resolve) => {
      fsync(fd, (err) => {
        this.#syncing = undefined
        if (err) {
          // Whether the batch is on disk is unknown: refuse it, and everything after it.
          this.#failed = err
          for (const op of ops) op.done.reject(err)
        } else {
          this.#durableRevision = this.#revision
          this.#settle(ops, results)
          this.#checkpoint(ops.length)
        }
        resolve()
        this.#flushQueued()
      })
    })
  }

  /** Counts committed writes; the checkpoint they call for holds the next commit back until it ends. */
  #checkpoint(writes: number): void {
    const running = this.#checkpointer?.committed(writes)
    if (!running) return
    this.#checkpointing = running.then(() => {
      this.#checkpointing = undefined
      this.#flushQueued()
    })
  }

  /** Schedules a flush of what queued while nothing could commit. */
  #flushQueued(): void {
    if (this.#queue.length && !this.#flushScheduled) {
      this.#flushScheduled = true
      setImmediate(() => this.#flush())
    }
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
    // A commit still being synced is acknowledged to nobody yet: the revision is the last on disk.
    return this.#syncing ? this.#durableRevision : this.#revision
  }

  async compactedRevision(): Promise<number> {
    return this.#compacted
  }

  async close(): Promise<void> {
    if (this.#closed) return
    if (this.#compactTimer) clearInterval(this.#compactTimer)
    // Let queued writes commit (and be synced) before closing.
    while (this.#syncing || this.#checkpointing || this.#queue.length) {
      await this.#durable()
      await this.#checkpointing
      if (this.#queue.length) this.#flush()
    }
    await this.#compacting?.catch(() => {})
    this.#closed = true
    this.#hub.close()
    await this.#checkpointer?.close()
    this.#db.close()
    if (this.#walFd !== undefined) closeSync(this.#walFd)
  }
}

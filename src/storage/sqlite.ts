/**
 * SqliteStore: the default embedded backend, a kine-like revision log in one SQLite file.
 *
 * `log` holds every write (the row id is the revision; deletes are tombstones carrying the
 * deleted value); `kv` points each live key at its latest row. One connection on a writer thread
 * (_sqlite-writer.mjs, as etcd is a process of its own for upstream) writes: the writes queued
 * during one event-loop tick go to it as one batch, committed together (group commit) in WAL
 * mode, and acknowledged once an fsync of the WAL has put them on disk, so every write that
 * resolved is on disk (synchronous=FULL's guarantee). Meanwhile the event thread goes on handling
 * requests; the next batch goes once the last is answered, and reads, on a read-only connection
 * of the event thread, wait for it, so nothing reads a commit before it is durable. A thread of
 * the writer's copies the WAL into the database beside the commits (_sqlite-checkpointer.mjs);
 * the writer thread runs compaction's deletes, in small batches in the background.
 */
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
import { type Logger, createLogger } from "../util/index.ts"
import { SCHEMA, type Row, statements } from "./_sqlite-sql.ts"
import { WAL_RESET_FIXED, hasWalResetFix } from "./_sqlite-wal-reset.ts"
import {
  type Committed,
  type WriteOp,
  type WriteResult,
  WriterFailedError,
  WriterThread,
} from "./_sqlite-writer-thread.ts"

/** Options of SqliteStore.open. */
export interface SqliteOptions {
  /** How often to compact old history in the background, in ms (0 disables). Default 60 s. */
  readonly compactIntervalMs?: number
  /** How many recent revisions background compaction keeps. Default 10,000. */
  readonly retainRevisions?: number
  /** Where the store's warnings go. Default: a logger of its own on standard error. */
  readonly log?: Logger
  /** For tests: counts the commits that may be synced; each waits before its fsync while it is 0 (see WriterThread). */
  readonly syncGate?: Int32Array
  /** For tests: checkpoints wait to start while its first element is 0, and fail at 2 (see WriterThread). */
  readonly checkpointGate?: Int32Array
  /** For tests: how many writes between checkpoints (default 1,000). */
  readonly checkpointEvery?: number
}

/** A queued write and whom to tell how it went. */
interface Queued {
  readonly op: WriteOp
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

function entryOf(row: Row): Entry {
  return { key: row.name, value: row.value, revision: row.id, createRevision: row.create_revision }
}

/** The store event of one write `op` that succeeded with `r`, as the writer thread answered it. */
function eventOf(op: WriteOp, r: WriteResult & { error?: undefined }): StoreEvent {
  const prev = r.prev && {
    key: op.key,
    value: r.prev.value,
    revision: r.prev.revision,
    createRevision: r.prev.createRevision,
  }
  if (op.kind === "delete") {
    return { type: "delete", entry: { ...(prev as Entry), revision: r.revision }, prev: prev as Entry }
  }
  const entry = { key: op.key, value: op.value, revision: r.revision, createRevision: r.createRevision }
  return prev ? { type: "put", entry, prev } : { type: "put", entry }
}

/** The error of one write `op` that failed with `r`. */
function errorOf(op: WriteOp, r: WriteResult): Error {
  if (r.error === "conflict") {
    // Only a write that named the revision it expects conflicts.
    const expected = op.kind === "create" ? -1 : (op.expected ?? -1)
    return new RevisionConflictError(op.key, expected, { key: op.key, ...r.current })
  }
  return r.error === "exists" ? new KeyExistsError(op.key) : new KeyNotFoundError(op.key)
}

/** SqliteStore: see the module comment. */
export class SqliteStore implements Store {
  /** The event thread's connection: reads only. */
  readonly #db: Database.Database
  readonly #sql: ReturnType<typeof statements>
  readonly #writer: WriterThread
  readonly #hub: WatchHub
  /** The revision of the last acknowledged (durable) write. */
  #revision: number
  #compacted: number
  #queue: Queued[] = []
  #flushScheduled = false
  #closed = false
  #compactTimer: NodeJS.Timeout | undefined
  #compacting: Promise<void> | undefined
  readonly #retain: number
  /** The batch the writer thread is committing, while it does. */
  #syncing: Promise<void> | undefined
  /** Why the store refuses everything: a failed fsync, or a writer thread that stopped. */
  #failed: Error | undefined
  readonly #log: Logger
  /** The writer thread's warnings logged so far: each is logged once. */
  readonly #warned = new Set<string>()

  private constructor(db: Database.Database, opts: SqliteOptions) {
    this.#db = db
    this.#sql = statements(db)
    this.#log = opts.log ?? createLogger().child({ component: "storage" })
    this.#revision = Math.max(this.#sql.maxId.get()?.v ?? 0, this.#sql.getMeta.get("revision")?.v ?? 0)
    this.#compacted = this.#sql.getMeta.get("compacted")?.v ?? 0
    const version = db.prepare("SELECT sqlite_version()").pluck().get() as string
    const concurrentCheckpoints = hasWalResetFix(version)
    if (!concurrentCheckpoints) {
      this.#log.warn(
        { sqliteVersion: version },
        `SQLite before ${WAL_RESET_FIXED} has the WAL-reset bug: the writer checkpoints between its commits, which wait meanwhile`,
      )
    }
    const { syncGate, checkpointGate, checkpointEvery } = opts
    this.#writer = new WriterThread(db.name, this.#revision, {
      syncGate,
      checkpointGate,
      checkpointEvery,
      concurrentCheckpoints,
      onWarning: (message) => {
        if (this.#warned.has(message)) return
        this.#warned.add(message)
        this.#log.warn(message)
      },
    })
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

  /** Opens (creating if needed) the database file at `path`. */
  static open(path: string, opts: SqliteOptions = {}): SqliteStore {
    if (path === "" || path === ":memory:") {
      throw new TypeError("SqliteStore needs a database file: its writer thread opens it too")
    }
    const db = new Database(path)
    db.pragma(`page_size = ${PAGE_SIZE}`) // a new database's only: an existing one keeps its own
    db.pragma("journal_mode = WAL")
    db.pragma("busy_timeout = 5000")
    db.exec(SCHEMA)
    db.pragma("query_only = 1") // the writer thread writes
    return new SqliteStore(db, opts)
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
    const rows = this.#sql.history.all(after, prefix, prefixEnd(prefix), limit)
    // A commit not yet acknowledged is not history yet: its events come when it is durable.
    const durable = rows.filter((row) => row.id <= this.#revision)
    return durable.map((row) => {
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

  #enqueue(op: WriteOp): Promise<Entry> {
    return new Promise((resolve, reject) => {
      this.#check()
      this.#queue.push({ op, resolve, reject })
      this.#flushQueued()
    })
  }

  create(key: string, value: string): Promise<Entry> {
    return this.#enqueue({ kind: "create", key, value })
  }

  update(key: string, value: string, expectedRevision: number): Promise<Entry> {
    return this.#enqueue({ kind: "update", key, value, expected: expectedRevision })
  }

  delete(key: string, expectedRevision?: number): Promise<Entry> {
    return this.#enqueue({ kind: "delete", key, expected: expectedRevision })
  }

  /** Sends what queued to the writer thread, unless a batch is there already (its end sends it). */
  #flush(): void {
    this.#flushScheduled = false
    if (this.#syncing) return
    const batch = this.#queue
    this.#queue = []
    if (batch.length === 0) return
    this.#syncing = this.#writer.commit(batch.map((q) => q.op)).then(
      (committed) => {
        this.#syncing = undefined
        this.#settle(batch, committed)
        this.#flushQueued()
      },
      (err: unknown) => {
        this.#syncing = undefined
        if (err instanceof WriterFailedError) this.#failed = err
        for (const q of batch) q.reject(err)
        this.#flushQueued()
      },
    )
  }

  /** Answers a durable batch: each write's entry or error, and its events to the watchers. */
  #settle(batch: Queued[], committed: Committed): void {
    this.#revision = committed.revision
    const events: StoreEvent[] = []
    committed.results.forEach((r, i) => {
      const q = batch[i] as Queued
      if (r.error !== undefined) q.reject(errorOf(q.op, r))
      else {
        const event = eventOf(q.op, r)
        events.push(event)
        q.resolve(event.entry)
      }
    })
    if (events.length) this.#hub.publish(events)
  }

  /** Schedules a flush of what queued, unless one is scheduled. */
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
    this.#compacted = target
    const marked = this.#writer.setMeta("compacted", target)
    const previous = this.#compacting ?? Promise.resolve()
    const run = previous.then(() => marked).then(() => this.#compactRange(from, target))
    this.#compacting = run.finally(() => {
      if (this.#compacting === tracked) this.#compacting = undefined
    })
    const tracked = this.#compacting
    return run
  }

  /** Deletes superseded rows in (from, to] a batch at a time: commits go between two batches. */
  async #compactRange(from: number, to: number): Promise<void> {
    for (let lo = from; lo < to && !this.#closed; lo += COMPACT_BATCH) {
      await this.#writer.compact(lo, Math.min(lo + COMPACT_BATCH, to), to)
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
    // Let queued writes commit (and be synced) before closing.
    while (this.#syncing || this.#queue.length) {
      await this.#durable()
      if (this.#queue.length) this.#flush()
    }
    await this.#compacting?.catch(() => {})
    this.#closed = true
    this.#hub.close()
    await this.#writer.close()
    this.#db.close()
  }
}

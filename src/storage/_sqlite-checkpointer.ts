/**
 * Checkpoints of a SqliteStore's WAL on a worker thread. A checkpoint copies committed pages from
 * the WAL into the database file and syncs it: done by SQLite at a commit (its auto-checkpoint),
 * it stalls the event loop for tens of milliseconds every few hundred writes. A second connection
 * on a worker does it instead while the writer holds its next commit back (as it does while an
 * fsync runs): requests go on being handled meanwhile, the checkpoint takes the whole WAL, and the
 * next commit starts the WAL over. It moves only what is committed, so what is durable is
 * unchanged, and a crash during it is one SQLite recovers from. Should the worker fail, the
 * writer's own auto-checkpoint comes back.
 */
import { createRequire } from "node:module"
import { Worker } from "node:worker_threads"
import type Database from "better-sqlite3"

/** The worker: plain JavaScript, so it needs no TypeScript loader. */
const SOURCE = `
const { parentPort, workerData } = require("node:worker_threads")
const Database = require(workerData.module)
const db = new Database(workerData.path)
db.pragma("busy_timeout = 5000")
parentPort.on("message", (m) => {
  if (m === "close") {
    db.close()
    parentPort.close()
    return
  }
  let error
  try {
    db.pragma("wal_checkpoint(PASSIVE)")
  } catch (err) {
    error = String(err)
  }
  parentPort.postMessage({ error })
})
`

/**
 * How many writes between checkpoints. A write of a few-KB object adds about 4 pages to the WAL,
 * so this lets it reach about 16 MB (SQLite's default, 1,000 pages, would checkpoint four times
 * as often, each with its fsyncs).
 */
const WRITES_PER_CHECKPOINT = 1000

/** Checkpoints the WAL of one database off the event loop; see the module comment. */
export class Checkpointer {
  readonly #db: Database.Database
  readonly #worker: Worker
  #writes = 0
  /** Settles the running checkpoint. */
  #done: (() => void) | undefined
  #failed = false

  /** Takes over checkpointing `db` (a file database in WAL mode). */
  constructor(db: Database.Database) {
    this.#db = db
    const module = createRequire(import.meta.url).resolve("better-sqlite3")
    // No loader flags of the process (tsx): the worker is plain JavaScript.
    this.#worker = new Worker(SOURCE, { eval: true, execArgv: [], workerData: { path: db.name, module } })
    this.#worker.unref()
    this.#worker.on("message", (m: { error?: string }) => {
      if (m.error) this.#fail()
      this.#settle()
    })
    this.#worker.on("error", () => this.#fail())
    this.#worker.on("exit", () => this.#fail())
    db.pragma("wal_autocheckpoint = 0")
  }

  /**
   * Counts `n` committed writes; every so many, starts a checkpoint and returns when it ends. The
   * writer commits nothing meanwhile, so the checkpoint takes the whole WAL and the next commit
   * starts it over (the WAL stays as small as SQLite's own checkpoints keep it).
   */
  committed(n: number): Promise<void> | undefined {
    if (this.#failed || this.#done) return undefined
    this.#writes += n
    if (this.#writes < WRITES_PER_CHECKPOINT) return undefined
    this.#writes = 0
    const done = new Promise<void>((resolve) => (this.#done = resolve))
    this.#worker.ref() // a write waits for it
    this.#worker.postMessage("checkpoint")
    return done
  }

  /** Stops the worker (SQLite checkpoints at the last close itself). */
  async close(): Promise<void> {
    if (this.#failed) return
    this.#failed = true
    const exited = new Promise((resolve) => this.#worker.once("exit", resolve))
    this.#worker.ref() // the close is awaited: keep the process up until the worker is gone
    this.#worker.postMessage("close")
    await exited
    this.#settle()
  }

  #settle(): void {
    const done = this.#done
    this.#done = undefined
    if (!this.#failed) this.#worker.unref()
    done?.()
  }

  #fail(): void {
    if (this.#failed) return
    this.#failed = true
    // Back to SQLite's own checkpoints at commit, so the WAL cannot grow without bound.
    if (this.#db.open) this.#db.pragma("wal_autocheckpoint = 1000")
    void this.#worker.terminate()
    this.#settle()
  }
}

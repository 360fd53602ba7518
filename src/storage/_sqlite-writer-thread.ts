/**
 * The event thread's side of a SqliteStore's writer thread (_sqlite-writer.mjs): starts it, sends
 * it batches of writes and the compaction's deletes, and hands back its answers, in order.
 *
 * The values go both ways as UTF-8 bytes in buffers both threads share: a batch's values are
 * written into one, the values of the entries its writes replaced come back in another, and the
 * messages carry only keys and numbers. Structured cloning a batch of few-KB values costs the
 * event thread more than committing them did: serializing copies them into a buffer allocated
 * (and page-faulted) afresh for each message (about 55 us of CPU a 4.7 KB value, measured in
 * `bench/_api-cpu.ts k8ts`), where writing them into a buffer in use costs a microsecond or two.
 */
import { Worker } from "node:worker_threads"

/** One write of a batch. */
export type WriteOp =
  | { readonly kind: "create"; readonly key: string; readonly value: string }
  | { readonly kind: "update"; readonly key: string; readonly value: string; readonly expected: number }
  | { readonly kind: "delete"; readonly key: string; readonly expected?: number | undefined }

/** A key's latest row, as the writer read it. */
export interface Current {
  readonly revision: number
  readonly createRevision: number
  readonly value: string
}

/** What one write of a batch came to: its revisions (and the entry it replaced), or why it failed. */
export type WriteResult =
  | {
      readonly revision: number
      readonly createRevision: number
      readonly prev?: Current
      readonly error?: undefined
    }
  | { readonly error: "exists" | "notfound" }
  | { readonly error: "conflict"; readonly current: Current }

/** A committed batch: the store's revision after it, and each write's result, in order. */
export interface Committed {
  readonly revision: number
  readonly results: readonly WriteResult[]
}

type Request =
  | { kind: "commit"; ops: (string | number)[]; values: SharedArrayBuffer | undefined }
  | { kind: "compact"; from: number; to: number; target: number }
  | { kind: "meta"; key: string; value: number }

interface Reply {
  readonly id: number
  readonly revision?: number
  /** Per write, 7 numbers: see apply in _sqlite-writer.mjs. */
  readonly results?: number[]
  /** The buffer the values of this and later answers are in, when it is a new one. */
  readonly values?: SharedArrayBuffer
  /** Not an answer (no id): trouble that fails no write yet, for onWarning. */
  readonly warning?: string
  /** The request failed and changed nothing (a commit was rolled back). */
  readonly error?: string
  /** The batch was committed but its fsync failed: nothing more may be written. */
  readonly fatal?: string
}

/** The writer thread's hooks for tests (see the WriterThread constructor). */
export interface WriterTesting {
  readonly syncGate?: Int32Array | undefined
  readonly checkpointGate?: Int32Array | undefined
  readonly checkpointEvery?: number | undefined
}

/** How the writer thread runs (see the WriterThread constructor). */
export interface WriterOptions extends WriterTesting {
  readonly concurrentCheckpoints?: boolean | undefined
  /** Told of trouble that fails no write yet (a checkpoint that failed), as often as it happens. */
  readonly onWarning?: ((message: string) => void) | undefined
}

/** A commit whose fsync failed, or a writer thread that stopped: the store must refuse all writes. */
export class WriterFailedError extends Error {
  override name = "WriterFailedError"
}

const KIND_CODE = { create: 0, update: 1, delete: 2 } as const
const ERRORS = [undefined, "exists", "notfound", "conflict"] as const

/** The writer thread of the database at `path`; see the module comment. */
export class WriterThread {
  readonly #worker: Worker
  /** Where the next batch's values are written, and what the thread reads them from. */
  #input: Buffer = Buffer.from(new SharedArrayBuffer(1 << 20))
  /** Whether the thread has #input yet. */
  #inputSent = false
  /** Where the thread writes the values its answers carry. */
  #output: Buffer = Buffer.alloc(0)
  readonly #pending = new Map<number, { resolve(r: Reply): void; reject(err: Error): void }>()
  #nextId = 0
  #failed: Error | undefined
  #closing = false

  /**
   * `revision`: the database's revision now, the thread's first write's comes after it.
   * For tests: `syncGate`'s first element counts the fsyncs the thread may still do; before
   * each it waits while that is 0 (add to it and Atomics.notify it), so a test can look at the
   * store while a commit is not yet durable. A checkpoint waits to start while `checkpointGate`'s
   * first element is 0 (and fails at 2); `checkpointEvery` writes go between two (default 1,000).
   * `concurrentCheckpoints`: a checkpointer thread copies the WAL beside the commits; without it
   * (the default) the writer thread checkpoints between two commits. `onWarning` hears of
   * checkpoints that failed or found the database busy, and of a checkpointer that stopped.
   */
  constructor(path: string, revision: number, opts: WriterOptions = {}) {
    const { syncGate, checkpointGate, checkpointEvery, concurrentCheckpoints = false, onWarning } = opts
    // No loader flags of the process (tsx): the thread is plain JavaScript.
    this.#worker = new Worker(new URL("./_sqlite-writer.mjs", import.meta.url), {
      execArgv: [],
      workerData: { path, revision, syncGate, checkpointGate, checkpointEvery, concurrentCheckpoints },
    })
    this.#worker.unref()
    this.#worker.on("message", (m: Reply) => {
      if (m.warning !== undefined) return void onWarning?.(m.warning)
      const p = this.#pending.get(m.id)
      this.#pending.delete(m.id)
      if (this.#pending.size === 0) this.#worker.unref()
      p?.resolve(m)
    })
    this.#worker.on("error", (err) => this.#fail(err))
    this.#worker.on("exit", (code) => this.#fail(new Error(`the writer thread exited with code ${code}`)))
  }

  /**
   * Applies `ops` in one transaction and makes them durable. One commit at a time: the next once
   * this one resolved or rejected. @throws WriterFailedError
   */
  async commit(ops: readonly WriteOp[]): Promise<Committed> {
    let room = 0
    for (const op of ops) if (op.kind !== "delete") room += op.value.length * 3 // UTF-8's most
    if (room > this.#input.length) {
      this.#input = Buffer.from(new SharedArrayBuffer(Math.max(room, this.#input.length * 2)))
      this.#inputSent = false
    }
    const flat: (string | number)[] = []
    let at = 0
    for (const op of ops) {
      const n = op.kind === "delete" ? 0 : this.#input.write(op.value, at)
      flat.push(KIND_CODE[op.kind], op.key, at, at + n, op.kind === "create" ? -1 : (op.expected ?? -1))
      at += n
    }
    const values = this.#inputSent ? undefined : this.#input.buffer
    this.#inputSent = true
    const r = await this.#request({ kind: "commit", ops: flat, values: values as SharedArrayBuffer })
    if (r.fatal !== undefined) throw this.#fail(new Error(r.fatal))
    if (r.error !== undefined) throw new Error(r.error)
    if (r.values) this.#output = Buffer.from(r.values)
    return { revision: r.revision as number, results: this.#results(r.results as number[]) }
  }

  /** The results of a commit from its answer's numbers (see apply in _sqlite-writer.mjs). */
  #results(n: number[]): WriteResult[] {
    const out: WriteResult[] = []
    for (let o = 0; o < n.length; o += 7) {
      const error = ERRORS[n[o] as number]
      const replaced =
        n[o + 3] === 0
          ? undefined
          : {
              revision: n[o + 3] as number,
              createRevision: n[o + 4] as number,
              value: this.#output.toString("utf8", n[o + 5], n[o + 6]),
            }
      if (error === undefined) {
        const revisions = { revision: n[o + 1] as number, createRevision: n[o + 2] as number }
        out.push(replaced ? { ...revisions, prev: replaced } : revisions)
      } else if (error === "conflict") out.push({ error, current: replaced as Current })
      else out.push({ error })
    }
    return out
  }

  /** Deletes the rows in (from, to] that a row at or before `target` supersedes, and old tombstones. */
  async compact(from: number, to: number, target: number): Promise<void> {
    const r = await this.#request({ kind: "compact", from, to, target })
    if (r.error !== undefined) throw new Error(r.error)
  }

  /** Sets a meta row. */
  async setMeta(key: string, value: number): Promise<void> {
    const r = await this.#request({ kind: "meta", key, value })
    if (r.error !== undefined) throw new Error(r.error)
  }

  /** Stops the thread once it has answered everything sent before. */
  async close(): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    if (this.#failed) return
    const exited = new Promise((resolve) => this.#worker.once("exit", resolve))
    this.#worker.ref() // the close is awaited: keep the process up until the thread is gone
    this.#worker.postMessage({ kind: "close" })
    await exited
  }

  #request(req: Request): Promise<Reply> {
    if (this.#failed) return Promise.reject(this.#failed)
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#worker.ref() // a write waits for it
      this.#worker.postMessage({ ...req, id })
    })
  }

  #fail(cause: Error): WriterFailedError {
    if (this.#failed) return this.#failed
    const err = new WriterFailedError(
      this.#closing ? "The store is closed" : `The store's writer failed: ${cause.message}`,
    )
    this.#failed = err
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
    void this.#worker.terminate()
    return err
  }
}

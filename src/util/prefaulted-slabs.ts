/**
 * Buffers whose memory is mapped before they are used. On these machines the first write to a
 * page of fresh memory costs ~13 µs (a fault the hypervisor serves), and a create keeps ~3 pages
 * of new memory. A thread of its own (_prefault-thread.mjs) makes the buffers and takes those
 * faults, a batch ahead of need, so the event loop that fills them does not.
 */
import { Worker } from "node:worker_threads"

/** Buffers made a batch of `batch` ahead by a thread of their own. */
export class PrefaultedSlabs {
  readonly #batch: number
  #worker: Worker | undefined
  #ready: ArrayBuffer[] = []
  #asked = false
  #broken = false

  constructor(batch: number) {
    this.#batch = batch
  }

  /** How many prefaulted buffers wait to be taken. */
  get ready(): number {
    return this.#ready.length
  }

  /**
   * A buffer of `bytes`: a prefaulted one when one of at least that size is ready (its first
   * `bytes`), else a fresh one. Callers asking for like sizes waste nothing: the thread makes the
   * next batch at the size last asked for.
   */
  take(bytes: number): Buffer {
    const slab = this.#ready.pop()
    if (this.#ready.length < this.#batch) this.#ask(bytes)
    return slab && slab.byteLength >= bytes ? Buffer.from(slab, 0, bytes) : Buffer.allocUnsafeSlow(bytes)
  }

  /** Asks the thread for a batch of `bytes` each, unless one is on its way. */
  #ask(bytes: number): void {
    if (this.#asked || this.#broken) return
    if (!this.#worker) {
      try {
        // No loader flags of the process (tsx): the thread is plain JavaScript.
        this.#worker = new Worker(new URL("./_prefault-thread.mjs", import.meta.url), { execArgv: [] })
      } catch {
        this.#broken = true
        return
      }
      this.#worker.on("message", (slabs: ArrayBuffer[]) => {
        this.#asked = false
        this.#ready.push(...slabs)
      })
      // Without the thread, buffers are made where they are taken, as before.
      this.#worker.on("error", () => (this.#broken = true))
      this.#worker.on("exit", () => (this.#broken = true))
      // After the listeners: adding a "message" one refs the worker again.
      this.#worker.unref()
    }
    this.#asked = true
    this.#worker.postMessage({ bytes, count: this.#batch })
  }
}

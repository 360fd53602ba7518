/**
 * Writes pods' statuses to the API server off the pod workers, as upstream's status manager
 * does: a sync hands over the status it computed and goes on to the next pod instead of waiting
 * for the write. Per pod, one write runs at a time and only the newest status waits behind it
 * (an older one it replaces is never written); a status equal to the last one handed over is
 * not written again. A write that fails (other than the pod being gone) is reported through
 * `failed`, so the pod is synced, and its status handed over, again.
 */
import type { PodStatus } from "kubernetes-types/core/v1.js"
import { ApiError, Pods } from "../api/index.ts"
import type { Client } from "../client/index.ts"
import type { Logger } from "../util/index.ts"

/** A status to write: the pod, its uid (the write's precondition) and the status. */
export interface StatusWrite {
  readonly namespace: string
  readonly name: string
  readonly uid: string
  readonly status: PodStatus
}

interface PodWrites {
  /** The status last handed over, as JSON. */
  text: string
  /** The write waiting for the running one, if any. */
  next: StatusWrite | undefined
  running: boolean
}

/** Options of StatusWriter. */
export interface StatusWriterOptions {
  readonly client: Client
  readonly log: Logger
  /** Called with the pod's key when a write failed. */
  readonly failed: (key: string) => void
}

/** Writes the newest status of each pod, one write at a time per pod. */
export class StatusWriter {
  readonly #o: StatusWriterOptions
  readonly #pods = new Map<string, PodWrites>()
  readonly #running = new Set<Promise<void>>()

  constructor(opts: StatusWriterOptions) {
    this.#o = opts
  }

  /** Hands over pod `key`'s status; written unless it equals the last one handed over. */
  set(key: string, w: StatusWrite): void {
    const text = JSON.stringify(w.status)
    let p = this.#pods.get(key)
    if (p?.text === text) return
    if (!p) this.#pods.set(key, (p = { text, next: undefined, running: false }))
    p.text = text
    p.next = w
    if (!p.running) this.#start(key, p)
  }

  /** Forgets pod `key` (it is gone): a write waiting for it is dropped. */
  forget(key: string): void {
    const p = this.#pods.get(key)
    if (p) p.next = undefined
    this.#pods.delete(key)
  }

  /** Resolves once the writes under way and those waiting behind them are done. */
  async idle(): Promise<void> {
    while (this.#running.size) await Promise.all([...this.#running])
  }

  #start(key: string, p: PodWrites): void {
    const w = p.next
    if (!w) return
    p.next = undefined
    p.running = true
    const done = this.#write(key, w, p).finally(() => {
      this.#running.delete(done)
      p.running = false
      if (p.next) this.#start(key, p)
    })
    this.#running.add(done)
  }

  async #write(key: string, w: StatusWrite, p: PodWrites): Promise<void> {
    try {
      await this.#o.client
        .resource(Pods)
        .patch(
          { namespace: w.namespace, name: w.name },
          { metadata: { uid: w.uid }, status: w.status },
          { type: "merge", subresource: "status" },
        )
    } catch (err) {
      if (err instanceof ApiError && err.reason === "NotFound") return
      this.#o.log.warn({ pod: key, err: String(err) }, "Cannot write the pod's status, syncing it again")
      // Written again at the pod's next sync, even when unchanged.
      if (!p.next) p.text = ""
      this.#o.failed(key)
    }
  }
}

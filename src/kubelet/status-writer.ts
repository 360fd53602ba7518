/**
 * Writes pods' statuses to the API server off the pod workers, as upstream's status manager
 * does: a sync hands over the status it computed and goes on to the next pod instead of waiting
 * for the write. Per pod, one write runs at a time and only the newest status waits behind it
 * (an older one it replaces is never written); a status equal to the last one handed over is
 * not written again. A write that fails (other than the pod being gone) is reported through
 * `failed`, so the pod is synced, and its status handed over, again. The status last handed
 * over is the basis of the next one (`last`), as upstream's status manager cache is: the
 * informer's copy of the pod lags the writes, and conditions' transition times taken from it
 * could flip back and forth between two writes, each write's watch event causing the other.
 * A write sends only the conditions the kubelet owns (statusPatch), so one another client changed
 * meanwhile (a readiness gate) is kept.
 */
import type { PodStatus } from "kubernetes-types/core/v1.js"
import { ApiError, Pods } from "../api/index.ts"
import type { Client } from "../client/index.ts"
import type { Logger } from "../util/index.ts"
import { isKubeletCondition } from "./pod-status.ts"
import { statusPatch } from "./status-patch.ts"

/**
 * A status as the kubelet compares it with the last one: without the conditions others own,
 * which it only carries over (upstream's isPodStatusByKubeletEqual), so their changes alone are
 * not written back.
 */
function kubeletText(status: PodStatus): string {
  const conditions = status.conditions?.filter((c) => isKubeletCondition(c.type))
  return JSON.stringify(conditions ? { ...status, conditions } : status)
}

/** A status to write: the pod, its uid (the write's precondition) and the status. */
export interface StatusWrite {
  readonly namespace: string
  readonly name: string
  readonly uid: string
  readonly status: PodStatus
}

interface PodWrites {
  /** The pod's uid the status last handed over is of. */
  uid: string
  /** The status last handed over. */
  status: PodStatus
  /** The status last handed over, as JSON. */
  text: string
  /** The resourceVersion the pod got from the last write that went through. */
  written?: string
  /** The write under way, if any (settled after `written` is set). */
  writing?: Promise<void>
  /** The write waiting for the running one, if any. */
  next: StatusWrite | undefined
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
    const text = kubeletText(w.status)
    let p = this.#pods.get(key)
    if (p?.text === text && p.uid === w.uid) return
    if (!p) this.#pods.set(key, (p = { uid: w.uid, status: w.status, text, next: undefined }))
    p.uid = w.uid
    p.status = w.status
    p.text = text
    p.next = w
    if (!p.writing) this.#start(key, p)
  }

  /** The status last handed over for pod `key` with uid `uid`, if any. */
  last(key: string, uid: string): PodStatus | undefined {
    const p = this.#pods.get(key)
    return p?.uid === uid ? p.status : undefined
  }

  /**
   * Whether `resourceVersion` of pod `key` is one this writer's own last write made: the watch
   * event it causes brings the kubelet nothing new (upstream's kubelet does not sync a pod again
   * for a status change either).
   */
  ownWrite(key: string, resourceVersion: string | undefined): boolean {
    return resourceVersion !== undefined && this.#pods.get(key)?.written === resourceVersion
  }

  /**
   * The write of pod `key` under way, if any: a watch event that arrives meanwhile may be that
   * write's own, which `ownWrite` tells once it is done.
   */
  writing(key: string): Promise<void> | undefined {
    return this.#pods.get(key)?.writing
  }

  /** Forgets pod `key` (it is gone): a write waiting for it is dropped. */
  forget(key: string): void {
    const p = this.#pods.get(key)
    if (p) p.next = undefined
    this.#pods.delete(key)
  }

  /**
   * Resolves once pod `key`'s writes handed over so far are done: true when the last went
   * through (or found the pod gone), false when it failed.
   */
  async flush(key: string): Promise<boolean> {
    let p = this.#pods.get(key)
    while (p?.writing) {
      await p.writing
      p = this.#pods.get(key)
    }
    return p?.text !== ""
  }

  /** Resolves once the writes under way and those waiting behind them are done. */
  async idle(): Promise<void> {
    while (this.#running.size) await Promise.all([...this.#running])
  }

  #start(key: string, p: PodWrites): void {
    const w = p.next
    if (!w) return
    p.next = undefined
    const done = this.#write(key, w, p).finally(() => {
      this.#running.delete(done)
      p.writing = undefined
      if (p.next) this.#start(key, p)
    })
    this.#running.add(done)
    p.writing = done
  }

  async #write(key: string, w: StatusWrite, p: PodWrites): Promise<void> {
    try {
      const got = await this.#o.client
        .resource(Pods)
        .patch({ namespace: w.namespace, name: w.name }, statusPatch(w.uid, w.status), {
          type: "strategic",
          subresource: "status",
        })
      p.written = got.metadata?.resourceVersion
    } catch (err) {
      if (err instanceof ApiError && err.reason === "NotFound") return
      this.#o.log.warn({ pod: key, err: String(err) }, "Cannot write the pod's status, syncing it again")
      // Written again at the pod's next sync, even when unchanged.
      if (!p.next) p.text = ""
      this.#o.failed(key)
    }
  }
}

/**
 * Events as components record them for `kubectl describe`: core/v1 Events about an object,
 * written in the background so a reconcile never waits on them, with repeats folded into one
 * Event whose count and lastTimestamp grow, similar ones combined and spam held back (client-go's
 * recorder and correlator, simplified), at most EVENT_QPS writes a second after a burst of
 * EVENT_BURST (the event client's rate limit), so a burst of Events waits behind the work it
 * reports instead of competing with it.
 */
import { type ApiObject, Events, isNamespaceTerminating, isNotFound, type ResourceRef } from "../api/index.ts"
import { type Clock, type Logger, rfc3339 } from "../util/index.ts"
import type { Client } from "./client.ts"
import { EventCorrelator } from "./event-correlator.ts"

/** Records Events about objects. */
export interface EventRecorder {
  /**
   * Records that `reason` happened to `obj` (kind and apiVersion from the object, else `ref`).
   * Never throws and never waits: failures are logged. Similar events are combined and a
   * source's events about one object beyond a burst are dropped, as client-go's correlator does.
   * `fieldPath` names the part of the object it is about (the kubelet's `spec.containers{name}`).
   */
  event(
    obj: ApiObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    ref?: ResourceRef,
    fieldPath?: string,
  ): void
}

/** Options of ClientEventRecorder. */
export interface EventRecorderOptions {
  /** The reporting component, e.g. "default-scheduler", "replicaset-controller". */
  readonly component: string
  /** The node name, for kubelets. */
  readonly host?: string
  readonly clock: Clock
  readonly log: Logger
  /** Event writes a second once the burst is spent (default EVENT_QPS; 0: no limit). */
  readonly qps?: number
  /** Event writes at once before the rate applies (default EVENT_BURST). */
  readonly burst?: number
}

/**
 * The event client's rate (upstream's kubelet eventRecordQPS and kube-scheduler's client QPS):
 * Events are written at most this many a second once the burst is spent.
 */
export const EVENT_QPS = 50
/** The event client's burst (upstream's kubelet eventBurst and kube-scheduler's client burst). */
export const EVENT_BURST = 100
/** Writes held back by the rate limit go in groups this far apart (10 at EVENT_QPS). */
const RELEASE_MS = 200

interface Seen {
  readonly namespace: string
  readonly name: string
  count: number
}

/** How many distinct events the recorder remembers for folding repeats. */
const MAX_SEEN = 4096

/**
 * Events recorded and not yet written beyond which new ones are dropped (client-go's
 * maxQueuedEvents: its broadcaster drops when its queue is full), so a component outpacing the
 * API does not pile up events without bound.
 */
const MAX_QUEUED = 1000

/** Event writes under way at once: enough to keep up with a busy controller, few enough not to crowd the API. */
const MAX_IN_FLIGHT = 8

/** Writes Events through a Client. */
export class ClientEventRecorder implements EventRecorder {
  readonly #client: Client
  readonly #opts: EventRecorderOptions
  readonly #seen = new Map<string, Seen>()
  readonly #correlator: EventCorrelator
  /** The last pending write of each distinct event: a repeat waits for it (its patch needs the name). */
  readonly #tails = new Map<string, Promise<void>>()
  /** Writes waiting for a slot, and how many are in flight (at most MAX_IN_FLIGHT). */
  readonly #waiting: (() => void)[] = []
  #inFlight = 0
  /** Events accepted and not yet written (or failed). */
  #queued = 0
  #dropping = false
  /** The rate limit's tokens (negative: writes already promised a later time) as of #tokensAt. */
  #tokens: number
  #tokensAt: number
  /** Starts at random so two recorders writing about one object in the same millisecond do not pick one name. */
  #serial = Math.floor(Math.random() * 1_000_000)

  constructor(client: Client, opts: EventRecorderOptions) {
    this.#client = client
    this.#opts = opts
    this.#correlator = new EventCorrelator(opts.clock)
    this.#tokens = opts.burst ?? EVENT_BURST
    this.#tokensAt = opts.clock.now()
  }

  event(
    obj: ApiObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    ref?: ResourceRef,
    fieldPath?: string,
  ): void {
    const meta = obj.metadata ?? {}
    const apiVersion =
      obj.apiVersion ?? (ref ? (ref.group ? `${ref.group}/${ref.version}` : ref.version) : "")
    const involvedObject = {
      kind: obj.kind ?? ref?.kind ?? "",
      apiVersion,
      name: meta.name ?? "",
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      ...(meta.uid ? { uid: meta.uid } : {}),
      ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
      ...(fieldPath ? { fieldPath } : {}),
    }
    const at = new Date(this.#opts.clock.now())
    const object = JSON.stringify([
      this.#opts.component,
      this.#opts.host ?? "",
      involvedObject.kind,
      involvedObject.namespace,
      involvedObject.name,
      meta.uid,
      apiVersion,
    ])
    if (this.#queued >= MAX_QUEUED) {
      // Logged once per overflow, not once per dropped event.
      if (!this.#dropping)
        this.#opts.log.error(
          { reason, object: involvedObject.name, queued: this.#queued },
          "Unable to record event: too many queued events, dropping events until the queue drains",
        )
      this.#dropping = true
      return
    }
    this.#dropping = false
    const correlated = this.#correlator.correlate({
      object,
      type,
      reason,
      message,
      ...(fieldPath ? { fieldPath } : {}),
    })
    if (correlated.skip) return
    const { key, message: text } = correlated
    const write = () =>
      this.#write(key, { involvedObject, type, reason, message: text }, at).catch((err: unknown) =>
        // A namespace being deleted takes no more events: expected while its objects go.
        this.#opts.log[isNamespaceTerminating(err) ? "debug" : "warn"](
          { err: String(err), reason, object: involvedObject.name },
          "Cannot record an event",
        ),
      )
    const before = this.#tails.get(key) ?? Promise.resolve()
    this.#queued++
    const mine = before.then(() => this.#slot(write))
    this.#tails.set(key, mine)
    void mine.then(() => {
      this.#queued--
      if (this.#tails.get(key) === mine) this.#tails.delete(key)
    })
  }

  /** Runs `write` when fewer than MAX_IN_FLIGHT writes are under way. */
  async #slot(write: () => Promise<void>): Promise<void> {
    // A waiter is handed the finishing write's slot, so the count never overshoots.
    if (this.#inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.#waiting.push(r))
    else this.#inFlight++
    try {
      await this.#rateLimit()
      await write()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#inFlight--
    }
  }

  /**
   * Waits for the write's turn under the rate limit (client-go's token bucket: each write takes
   * a token, and one that finds none is promised a later one, in order). Writes that wait are let
   * go RELEASE_MS's tokens at a time rather than one by one: never sooner than their token, and
   * together, so the API server commits them together instead of one store write apiece.
   */
  async #rateLimit(): Promise<void> {
    const qps = this.#opts.qps ?? EVENT_QPS
    if (qps <= 0) return
    const now = this.#opts.clock.now()
    const burst = this.#opts.burst ?? EVENT_BURST
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#tokensAt) / 1000) * qps)
    this.#tokensAt = now
    this.#tokens -= 1
    if (this.#tokens < 0) {
      const due = (-this.#tokens / qps) * 1000
      await this.#opts.clock.sleep(Math.ceil(due / RELEASE_MS) * RELEASE_MS)
    }
  }

  /** Resolves once every event recorded so far was written (or failed). */
  async flush(): Promise<void> {
    while (this.#tails.size) await Promise.all([...this.#tails.values()])
  }

  async #write(
    key: string,
    e: {
      involvedObject: { name: string; namespace?: string }
      type: string
      reason: string
      message: string
    },
    at: Date,
  ): Promise<void> {
    // Neither write's answer is read (the name is ours): not decoded, as the kubelet's status writes.
    const stamp = rfc3339(at.getTime())
    const seen = this.#seen.get(key)
    if (seen) {
      try {
        seen.count++
        await this.#client.request<void>({
          method: "PATCH",
          ref: Events,
          namespace: seen.namespace,
          name: seen.name,
          body: { count: seen.count, lastTimestamp: stamp, message: e.message },
          contentType: "application/merge-patch+json",
          discardBody: true,
        })
        return
      } catch (err) {
        if (!isNotFound(err)) throw err
        this.#seen.delete(key) // expired or deleted: start a new one
      }
    }
    const namespace = e.involvedObject.namespace || "default"
    const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(this.#serial++ % 1_000_000)
    const name = `${e.involvedObject.name}.${nanos.toString(16)}`
    await this.#client.request<void>({
      method: "POST",
      ref: Events,
      namespace,
      discardBody: true,
      body: {
        metadata: { name, namespace },
        involvedObject: e.involvedObject,
        reason: e.reason,
        message: e.message,
        type: e.type,
        source: { component: this.#opts.component, ...(this.#opts.host ? { host: this.#opts.host } : {}) },
        reportingComponent: this.#opts.component,
        reportingInstance: this.#opts.host ?? "",
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        count: 1,
      },
    })
    if (this.#seen.size >= MAX_SEEN) this.#seen.delete(this.#seen.keys().next().value as string)
    this.#seen.set(key, { namespace, name, count: 1 })
  }
}

/**
 * Events as components record them for `kubectl describe`: core/v1 Events about an object,
 * written in the background so a reconcile never waits on them, with repeats folded into one
 * Event whose count and lastTimestamp grow, similar ones combined and spam held back (client-go's
 * tools/record recorder and correlator, simplified), the writes bounded and rate limited by an
 * EventWritePool. Upstream's kubelet and kube-controller-manager record this way; the scheduler
 * records through the events.k8s.io API instead (event-broadcaster.ts).
 */
import { type ApiObject, Events, isNamespaceTerminating, isNotFound, type ResourceRef } from "../api/index.ts"
import { type Clock, type Logger, rfc3339 } from "../util/index.ts"
import type { Client } from "./client.ts"
import { EventCorrelator } from "./event-correlator.ts"
import { EventWritePool } from "./event-write-pool.ts"

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
  /** Event requests a second once the burst is spent (default EVENT_QPS; 0: no limit). */
  readonly qps?: number
  /** Event requests at once before the rate applies (default EVENT_BURST). */
  readonly burst?: number
}

interface Seen {
  readonly namespace: string
  readonly name: string
  count: number
}

/** How many distinct events the recorder remembers for folding repeats. */
const MAX_SEEN = 4096

/** Writes Events through a Client. */
export class ClientEventRecorder implements EventRecorder {
  readonly #client: Client
  readonly #opts: EventRecorderOptions
  readonly #seen = new Map<string, Seen>()
  readonly #correlator: EventCorrelator
  readonly #pool: EventWritePool
  /** Starts at random so two recorders writing about one object in the same millisecond do not pick one name. */
  #serial = Math.floor(Math.random() * 1_000_000)

  constructor(client: Client, opts: EventRecorderOptions) {
    this.#client = client
    this.#opts = opts
    this.#correlator = new EventCorrelator(opts.clock)
    this.#pool = new EventWritePool(opts)
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
    if (!this.#pool.admit({ reason, object: involvedObject.name })) return
    const correlated = this.#correlator.correlate({
      object,
      type,
      reason,
      message,
      ...(fieldPath ? { fieldPath } : {}),
    })
    if (correlated.skip) return
    const { key, message: text } = correlated
    void this.#pool.add(key, (throttle) =>
      this.#write(key, { involvedObject, type, reason, message: text }, at, throttle).catch((err: unknown) =>
        // A namespace being deleted takes no more events: expected while its objects go.
        this.#opts.log[isNamespaceTerminating(err) ? "debug" : "warn"](
          { err: String(err), reason, object: involvedObject.name },
          "Cannot record an event",
        ),
      ),
    )
  }

  /** Resolves once every event recorded so far was written (or failed). */
  flush(): Promise<void> {
    return this.#pool.flush()
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
    throttle: () => Promise<void>,
  ): Promise<void> {
    // Neither write's answer is read (the name is ours): not decoded, as the kubelet's status writes.
    const stamp = rfc3339(at.getTime())
    const seen = this.#seen.get(key)
    if (seen) {
      try {
        seen.count++
        await throttle()
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
    await throttle()
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

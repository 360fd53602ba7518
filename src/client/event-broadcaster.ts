/**
 * Events through the events.k8s.io/v1 API, as client-go's tools/events records them (the
 * kube-scheduler's recorder): an Event per occurrence of something new, with its eventTime,
 * action, reportingController and reportingInstance; an isomorphic one (same type, action,
 * reason, reporter, regarding and related, whatever its note) turns the first into a series whose
 * count grows in memory, written when it starts, every REFRESH_MS while it lasts, and once more
 * when it has not been seen for FINISH_MS. Writes are bounded and rate limited by an
 * EventWritePool. Upstream's kubelet and controllers record core/v1 Events instead (events.ts).
 */
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import type { ObjectReference } from "kubernetes-types/core/v1.js"
import type { Event, EventSeries } from "kubernetes-types/events/v1.js"
import {
  type ApiObject,
  ApiError,
  EventsV1,
  isAlreadyExists,
  isDns1123Subdomain,
  isNamespaceTerminating,
  isNotFound,
  type ResourceRef,
} from "../api/index.ts"
import { type Clock, copyJson, jsonEqual, type Logger, microTime } from "../util/index.ts"
import type { Client } from "./client.ts"
import { type EventWrite, EventWritePool } from "./event-write-pool.ts"

/** How long a series may go unobserved before it is written a last time and forgotten (finishTime). */
export const FINISH_MS = 6 * 60_000
/** How often the series under way are written again (refreshTime). */
export const REFRESH_MS = 30 * 60_000
/** Tries of one write before it is given up (maxTriesPerEvent). */
const MAX_TRIES = 12
/** The pause between tries, plus up to a quarter more at random (defaultSleepDuration). */
const RETRY_MS = 10_000

/** What happened, for EventsV1Recorder.event. */
export interface EventDetails {
  readonly type: "Normal" | "Warning"
  /** Why, in UpperCamelCase (e.g. "FailedScheduling"). */
  readonly reason: string
  /** What the reporter did or failed to do (e.g. "Scheduling"). */
  readonly action: string
  /** A human-readable description. */
  readonly note: string
  /** A second object the event is about (e.g. the preemptor of a preempted pod). */
  readonly related?: ApiObject
  /** The kind and apiVersion of objects that carry none (upstream finds them in its scheme). */
  readonly ref?: ResourceRef
}

/** Records events.k8s.io/v1 Events about objects (client-go's events.EventRecorder). */
export interface EventsV1Recorder {
  /**
   * Records that `e` happened to `regarding`. Never throws and never waits: failures are logged.
   * Repeats of an isomorphic event (the note aside) fold into the first one's series.
   */
  event(regarding: ApiObject, e: EventDetails): void
}

/** Options of EventsV1Broadcaster. */
export interface EventsV1BroadcasterOptions {
  readonly clock: Clock
  readonly log: Logger
  /** Follows each recorder's reportingController in its reportingInstance (default os.hostname()). */
  readonly hostname?: string
  /** Requests a second once the burst is spent (default EVENT_QPS; 0: no limit). */
  readonly qps?: number
  /** Requests at once before the rate applies (default EVENT_BURST). */
  readonly burst?: number
}

/**
 * `obj` as an ObjectReference (upstream's reference.GetReference), its fields in Go's order:
 * kind and apiVersion from the object, else `ref`. Undefined without a kind.
 */
export function referenceTo(obj: ApiObject, ref?: ResourceRef): ObjectReference | undefined {
  const m = obj.metadata ?? {}
  const kind = obj.kind || ref?.kind
  if (!kind) return undefined
  const apiVersion = obj.apiVersion || (ref ? (ref.group ? `${ref.group}/${ref.version}` : ref.version) : "")
  return {
    kind,
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.name ? { name: m.name } : {}),
    ...(m.uid ? { uid: m.uid } : {}),
    ...(apiVersion ? { apiVersion } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
  }
}

/** An Event and its series, as the cache holds them. */
type Cached = Event & { series?: EventSeries }

/** The isomorphic key (client-go's getKey): everything but the note and the times. */
function keyOf(e: Cached): string {
  return JSON.stringify([
    e.type,
    e.action,
    e.reason,
    e.reportingController,
    e.reportingInstance,
    e.regarding,
    e.related ?? {},
  ])
}

/** The Event name of `name` at `nanos` (GenerateEventName): a UUID when that is no valid name. */
function eventName(name: string, nanos: bigint): string {
  const candidate = `${name}.${nanos.toString(16)}`
  return isDns1123Subdomain(candidate).length ? randomUUID() : candidate
}

/** Records and writes events.k8s.io Events (client-go's events.EventBroadcaster and its sink). */
export class EventsV1Broadcaster {
  readonly #client: Client
  readonly #opts: EventsV1BroadcasterOptions
  readonly #pool: EventWritePool
  readonly #hostname: string
  /** The last Event of each isomorphic key, with its series once it repeats. */
  readonly #cache = new Map<string, Cached>()
  /** Aborts retries once run() is stopped. */
  #signal: AbortSignal | undefined
  /** Starts at random so two reporters naming events about one object in the same millisecond do not pick one name. */
  #serial = Math.floor(Math.random() * 1_000_000)

  constructor(client: Client, opts: EventsV1BroadcasterOptions) {
    this.#client = client
    this.#opts = opts
    this.#pool = new EventWritePool(opts)
    this.#hostname = opts.hostname ?? hostname()
  }

  /** A recorder reporting as `reportingController`, instance `<reportingController>-<hostname>`. */
  newRecorder(reportingController: string): EventsV1Recorder {
    const reportingInstance = `${reportingController}-${this.#hostname}`
    return { event: (regarding, e) => this.#event({ reportingController, reportingInstance }, regarding, e) }
  }

  /**
   * Writes the series under way every REFRESH_MS and finishes those gone quiet every FINISH_MS
   * (each also at once), until `signal` aborts; the abort also ends the retries of failed writes.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.#signal = signal
    await Promise.all([
      this.#every(REFRESH_MS, () => this.#refresh(), signal),
      this.#every(FINISH_MS, () => this.#finish(), signal),
    ])
  }

  /** Resolves once every write started so far is done (or given up). */
  flush(): Promise<void> {
    return this.#pool.flush()
  }

  /** The Event upstream's makeEvent builds, then recorded. */
  #event(
    reporter: { readonly reportingController: string; readonly reportingInstance: string },
    regardingObj: ApiObject,
    e: EventDetails,
  ): void {
    const regarding = referenceTo(regardingObj, e.ref)
    if (!regarding) {
      this.#opts.log.error(
        { object: regardingObj.metadata?.name, reason: e.reason },
        "Could not construct reference, will not report event",
      )
      return
    }
    const related = e.related ? referenceTo(e.related, e.ref) : undefined
    const now = this.#opts.clock.now()
    const namespace = regarding.namespace || "default"
    const nanos = BigInt(now) * 1_000_000n + BigInt(this.#serial++ % 1_000_000)
    this.#recordToSink({
      metadata: { name: eventName(regarding.name ?? "", nanos), namespace },
      eventTime: microTime(now),
      reportingController: reporter.reportingController,
      reportingInstance: reporter.reportingInstance,
      action: e.action,
      reason: e.reason,
      regarding,
      ...(related ? { related } : {}),
      note: e.note,
      type: e.type,
    })
  }

  /** The first of a key is written; the second starts its series (written); later ones count in it. */
  #recordToSink(event: Cached): void {
    const key = keyOf(event)
    const cached = this.#cache.get(key)
    let record: Cached
    if (cached) {
      const lastObservedTime = microTime(this.#opts.clock.now())
      if (cached.series) {
        cached.series.count++
        cached.series.lastObservedTime = lastObservedTime
        return
      }
      cached.series = { count: 2, lastObservedTime }
      record = copyJson(cached)
    } else {
      this.#cache.set(key, event)
      record = copyJson(event)
    }
    if (!this.#pool.admit({ reason: record.reason, object: record.regarding?.name })) return
    void this.#pool.add(key, (throttle) => this.#attempt(record, throttle))
  }

  /** Writes `event`, trying again after a pause while the failure may pass (attemptRecording). */
  async #attempt(event: Cached, throttle: () => Promise<void>): Promise<void> {
    for (let tries = 1; await this.#write(event, throttle); tries++) {
      if (tries >= MAX_TRIES) {
        this.#opts.log.error({ event: event.metadata?.name }, "Unable to write event (retry limit exceeded!)")
        return
      }
      try {
        await this.#opts.clock.sleep(RETRY_MS * (1 + Math.random() * 0.25), this.#signal)
      } catch {
        return // stopped
      }
    }
  }

  /**
   * One write (upstream's recordEvent): a series is patched (only its series), and created when
   * the Event is gone; anything else is created. True when it should be tried again: a failure
   * that is no API Status (the server may be back), or a series whose create found the Event
   * there after all (its patch raced the first create).
   */
  async #write(event: Cached, throttle: () => Promise<void>): Promise<boolean> {
    const namespace = event.metadata?.namespace ?? "default"
    let err: unknown
    if (event.series) {
      try {
        await throttle()
        // What a two-way strategic merge patch from the Event without its series gives.
        await this.#client.request<void>({
          method: "PATCH",
          ref: EventsV1,
          namespace,
          name: event.metadata?.name ?? "",
          body: { series: event.series },
          contentType: "application/strategic-merge-patch+json",
          discardBody: true,
        })
        return false
      } catch (e) {
        err = e
      }
    }
    if (!event.series || isNotFound(err)) {
      try {
        await throttle()
        const { resourceVersion: _, ...metadata } = event.metadata ?? {}
        await this.#client.request<void>({
          method: "POST",
          ref: EventsV1,
          namespace,
          body: { apiVersion: "events.k8s.io/v1", kind: "Event", ...event, metadata },
          discardBody: true,
        })
        return false
      } catch (e) {
        err = e
      }
    }
    return this.#retry(err, event)
  }

  /** Logs a failed write; true when it is worth trying again. */
  #retry(err: unknown, event: Cached): boolean {
    const fields = { err: String(err), event: event.metadata?.name, reason: event.reason }
    if (err instanceof ApiError) {
      if (isAlreadyExists(err)) {
        if (event.series) return true
        this.#opts.log.debug(fields, "Server rejected event (will not retry!)")
      } else {
        // A namespace being deleted takes no more events: expected while its objects go.
        this.#opts.log[isNamespaceTerminating(err) ? "debug" : "error"](
          fields,
          "Server rejected event (will not retry!)",
        )
      }
      return false
    }
    this.#opts.log.error(fields, "Unable to write event (may retry after sleeping)")
    return true
  }

  /** Runs `fn` now and then `ms` after each run ends, until `signal` aborts (wait.Until). */
  async #every(ms: number, fn: () => Promise<void>, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await fn()
      try {
        await this.#opts.clock.sleep(ms, signal)
      } catch {
        return
      }
    }
  }

  /** One write of a cached Event, in turn after the other writes of its key; true to retry. */
  async #writeInTurn(key: string, event: Cached): Promise<boolean> {
    let retry = false
    const write: EventWrite = async (throttle) => {
      retry = await this.#write(copyJson(event), throttle)
    }
    await this.#pool.add(key, write)
    return retry
  }

  /** Writes every series again (refreshExistingEventSeries). */
  async #refresh(): Promise<void> {
    const series = [...this.#cache].filter(([, e]) => e.series).map(([k, e]) => [k, copyJson(e)] as const)
    for (const [key, snapshot] of series) await this.#writeInTurn(key, snapshot)
  }

  /**
   * Writes a last time each series not observed for FINISH_MS and forgets it, and forgets the
   * single Events older than that (finishSeries). One observed again meanwhile stays.
   */
  async #finish(): Promise<void> {
    const cutoff = this.#opts.clock.now() - FINISH_MS
    const done: [string, Cached, boolean][] = []
    for (const [key, e] of this.#cache) {
      const at = e.series ? e.series.lastObservedTime : e.eventTime
      if (Date.parse(at ?? "") < cutoff) done.push([key, copyJson(e), !!e.series])
    }
    for (const [key, snapshot, write] of done) {
      if (write && (await this.#writeInTurn(key, snapshot))) continue
      const cached = this.#cache.get(key)
      if (cached && jsonEqual(cached, snapshot)) this.#cache.delete(key)
    }
  }
}

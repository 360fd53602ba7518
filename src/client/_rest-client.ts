/** The Client verbs on top of a Transport: one implementation shared by every transport. */
import type { ApiObject, List, ObjectKey, ResourceRef, WatchEvent } from "../api/index.ts"
import type { Batched } from "../util/index.ts"
import type {
  CallOptions,
  Client,
  DeleteOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  RequestOptions,
  ResourceClient,
  WatchOptions,
  WriteOptions,
} from "./client.ts"
import {
  abortable,
  decode,
  discard,
  errorOf,
  labelSelectorString,
  queryOf,
  readText,
  resourcePath,
  type Transport,
  type WireResponse,
  objectEvents,
  watchEvents,
} from "./_wire.ts"

const JSON_TYPE = "application/json"

/** The content type of each patch type. */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
}

/** A transport and the User-Agent it sends. */
interface Rest {
  readonly send: Transport
  readonly userAgent: string
}

/** A Client over any Transport; HttpClient and InProcessClient only supply the transport. */
export class RestClient implements Client {
  readonly #rest: Rest

  constructor(send: Transport, userAgent = "k8ts") {
    this.#rest = { send, userAgent }
  }

  resource<T extends ApiObject>(ref: ResourceRef<T>): ResourceClient<T> {
    return new RestResourceClient<T>(this.#rest, ref)
  }

  request<R = unknown>(opts: RequestOptions): Promise<R> {
    return request<R>(this.#rest, opts)
  }
}

async function request<R>(rest: Rest, opts: RequestOptions): Promise<R> {
  const res = await send(rest, opts)
  if (opts.discardBody) return discard(res) as Promise<R>
  return decode<R>(res)
}

async function send(rest: Rest, opts: RequestOptions): Promise<WireResponse> {
  const path = opts.path ?? (opts.ref ? resourcePath(opts.ref, opts) : undefined)
  if (!path) throw new TypeError(`Cannot send a ${opts.method} request: neither path nor ref is set`)
  const hasBody = opts.body !== undefined
  return rest.send({
    method: opts.method,
    path,
    query: queryOf(opts.query ?? {}),
    headers: {
      accept: JSON_TYPE,
      "user-agent": rest.userAgent,
      ...(hasBody ? { "content-type": opts.contentType ?? JSON_TYPE } : {}),
    },
    ...(hasBody ? { body: typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
}

/** The end of an iteration. */
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined }

/**
 * A watch stream: opened at the first next(), its events until it ends or `signal` aborts. Events
 * handed over as objects (in process) can also be taken at once, every one already queued
 * (`takeAll`): an informer applies a batch of writes' events with one promise.
 */
function stream<T extends ApiObject>(
  rest: Rest,
  path: string,
  query: URLSearchParams,
  signal: AbortSignal,
): AsyncIterable<WatchEvent<T>> {
  return { [Symbol.asyncIterator]: () => new WatchStream<T>(rest, path, query, signal) }
}

/** One watch's iteration (see stream). A class rather than a generator: it sits under every event. */
class WatchStream<T extends ApiObject> implements Batched<WatchEvent<T>> {
  readonly #rest: Rest
  readonly #path: string
  readonly #query: URLSearchParams
  readonly #signal: AbortSignal
  /** Our own controller: leaving the iteration early must close the stream too. */
  readonly #ac = new AbortController()
  readonly #forward = () => this.#ac.abort(this.#signal.reason)
  /** The events, once the response came. */
  #events: Batched<WatchEvent<T>> | undefined
  #opening: Promise<Batched<WatchEvent<T>>> | undefined
  #ended = false

  constructor(rest: Rest, path: string, query: URLSearchParams, signal: AbortSignal) {
    this.#rest = rest
    this.#path = path
    this.#query = query
    this.#signal = signal
  }

  async #open(): Promise<Batched<WatchEvent<T>>> {
    this.#signal.addEventListener("abort", this.#forward, { once: true })
    const res = await this.#rest.send({
      method: "GET",
      path: this.#path,
      query: this.#query,
      headers: { accept: JSON_TYPE, "user-agent": this.#rest.userAgent },
      signal: this.#ac.signal,
    })
    if (res.status >= 400) throw errorOf(res.status, await readText(res))
    this.#events = res.events
      ? objectEvents<T>(abortable(res.events, this.#ac.signal))
      : watchEvents<T>(abortable(res.body, this.#ac.signal))
    return this.#events
  }

  async next(): Promise<IteratorResult<WatchEvent<T>>> {
    if (this.#ended) return DONE
    if (this.#signal.aborted) return this.#end()
    try {
      const events = this.#events ?? (await (this.#opening ??= this.#open()))
      const r = await events.next()
      return r.done ? this.#end() : r
    } catch (err) {
      // A transport torn down by our own abort fails its read: that is the end, not an error.
      const ours = this.#ac.signal.aborted
      this.#end()
      if (ours) return DONE
      throw err
    }
  }

  /** Every event already queued behind the one next() gave (none over HTTP). */
  takeAll(max?: number): WatchEvent<T>[] {
    if (this.#ended || !this.#events?.takeAll) return []
    return this.#events.takeAll(max)
  }

  async return(): Promise<IteratorResult<WatchEvent<T>>> {
    const events = this.#events
    this.#end()
    await events?.return?.()
    return DONE
  }

  #end(): IteratorReturnResult<undefined> {
    if (!this.#ended) {
      this.#ended = true
      this.#signal.removeEventListener("abort", this.#forward)
      this.#ac.abort()
    }
    return DONE
  }
}

function writeQuery(opts: WriteOptions = {}): Record<string, string | undefined> {
  return { dryRun: opts.dryRun ? "All" : undefined, fieldManager: opts.fieldManager }
}

function keyOfObject(obj: ApiObject, verb: string, resource: string): ObjectKey {
  const name = obj.metadata?.name
  if (!name) throw new TypeError(`Cannot ${verb} ${resource}: metadata.name is empty`)
  return { name, ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) }
}

class RestResourceClient<T extends ApiObject> implements ResourceClient<T> {
  readonly #rest: Rest
  readonly #ref: ResourceRef<T>

  constructor(rest: Rest, ref: ResourceRef<T>) {
    this.#rest = rest
    this.#ref = ref
  }

  get(key: ObjectKey, opts: CallOptions = {}): Promise<T> {
    return request<T>(this.#rest, { method: "GET", ref: this.#ref, ...key, ...signalOf(opts) })
  }

  list(opts: ListOptions = {}): Promise<List<T>> {
    return request<List<T>>(this.#rest, {
      method: "GET",
      ref: this.#ref,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      query: {
        labelSelector: labelSelectorString(opts.labelSelector),
        fieldSelector: opts.fieldSelector || undefined,
        limit: opts.limit,
        continue: opts.continue || undefined,
        resourceVersion: opts.resourceVersion,
        resourceVersionMatch: opts.resourceVersionMatch,
      },
      ...signalOf(opts),
    })
  }

  create(obj: T, opts: WriteOptions = {}): Promise<T> {
    const namespace = obj.metadata?.namespace
    if (this.#ref.namespaced && !namespace) {
      throw new TypeError(`Cannot create ${this.#ref.resource}: metadata.namespace is empty`)
    }
    return request<T>(this.#rest, {
      method: "POST",
      ref: this.#ref,
      ...(namespace ? { namespace } : {}),
      query: writeQuery(opts),
      body: obj,
      ...signalOf(opts),
    })
  }

  update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#put(obj, "", opts)
  }

  updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#put(obj, "status", opts)
  }

  #put(obj: T, subresource: string, opts: WriteOptions): Promise<T> {
    const key = keyOfObject(obj, "update", this.#ref.resource)
    return request<T>(this.#rest, {
      method: "PUT",
      ref: this.#ref,
      ...key,
      subresource,
      query: writeQuery(opts),
      body: obj,
      ...signalOf(opts),
    })
  }

  patch(key: ObjectKey, patch: unknown, opts: PatchOptions): Promise<T> {
    return request<T>(this.#rest, {
      method: "PATCH",
      ref: this.#ref,
      ...key,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      query: { ...writeQuery(opts), force: opts.type === "apply" && opts.force ? true : undefined },
      body: patch,
      contentType: PATCH_CONTENT_TYPES[opts.type],
      ...signalOf(opts),
    })
  }

  async delete(key: ObjectKey, opts: DeleteOptions = {}): Promise<void> {
    const res = await send(this.#rest, {
      method: "DELETE",
      ref: this.#ref,
      ...key,
      body: {
        kind: "DeleteOptions",
        apiVersion: "v1",
        ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
        ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
        ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
        ...(opts.dryRun ? { dryRun: ["All"] } : {}),
      },
      ...signalOf(opts),
    })
    await discard(res)
  }

  watch(opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const initial = opts.sendInitialEvents === true
    const query = queryOf({
      watch: "true",
      resourceVersion: opts.resourceVersion,
      labelSelector: labelSelectorString(opts.labelSelector),
      fieldSelector: opts.fieldSelector || undefined,
      allowWatchBookmarks: opts.allowWatchBookmarks || initial ? "true" : undefined,
      sendInitialEvents: initial ? "true" : undefined,
      resourceVersionMatch: initial ? "NotOlderThan" : undefined,
      timeoutSeconds: opts.timeoutSeconds,
    })
    const path = resourcePath(this.#ref, opts.namespace ? { namespace: opts.namespace } : {})
    return stream<T>(this.#rest, path, query, signal)
  }
}

function signalOf(opts: CallOptions): { signal?: AbortSignal } {
  return opts.signal ? { signal: opts.signal } : {}
}

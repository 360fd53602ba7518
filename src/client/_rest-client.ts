/** The Client verbs on top of a Transport: one implementation shared by every transport. */
import type { ApiObject, List, ObjectKey, ResourceRef, WatchEvent } from "../api/index.ts"
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

/** Opens a watch stream and yields its events until it ends or `signal` aborts. */
async function* stream<T extends ApiObject>(
  rest: Rest,
  path: string,
  query: URLSearchParams,
  signal: AbortSignal,
): AsyncGenerator<WatchEvent<T>> {
  if (signal.aborted) return
  // Our own controller: leaving the loop early must close the stream too.
  const ac = new AbortController()
  const forward = () => ac.abort(signal.reason)
  signal.addEventListener("abort", forward, { once: true })
  try {
    const res = await rest.send({
      method: "GET",
      path,
      query,
      headers: { accept: JSON_TYPE, "user-agent": rest.userAgent },
      signal: ac.signal,
    })
    if (res.status >= 400) throw errorOf(res.status, await readText(res))
    if (res.events) yield* objectEvents<T>(abortable(res.events, ac.signal))
    else yield* watchEvents<T>(abortable(res.body, ac.signal))
  } catch (err) {
    if (!ac.signal.aborted) throw err
  } finally {
    signal.removeEventListener("abort", forward)
    ac.abort()
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

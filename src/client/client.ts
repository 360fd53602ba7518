/** The Client contract: the only way components reach the cluster. */
import type { ApiObject, List, ObjectKey, ResourceRef, WatchEvent } from "../api/index.ts"

/**
 * A connection to the Kubernetes API. Every failure the server reports is an ApiError rebuilt
 * from its Status body, with the same `reason` whatever the transport; callers branch on
 * `reason`, never on HTTP codes. Transport failures (a refused connection) are plain errors.
 */
export interface Client {
  /** The typed client of one resource. Cheap: call it where needed instead of caching it. */
  resource<T extends ApiObject>(ref: ResourceRef<T>): ResourceClient<T>
  /**
   * Sends any other request (subresources such as scale, binding and eviction, or non-resource
   * paths like `/version`) and returns the decoded JSON body (the text when it is not JSON).
   * @throws ApiError with the reason of the Status the server answered
   */
  request<R = unknown>(opts: RequestOptions): Promise<R>
}

/**
 * The verbs of one resource. Objects returned are fresh copies the caller owns.
 * Namespaced resources need `namespace` on every call naming an object (a TypeError otherwise).
 */
export interface ResourceClient<T extends ApiObject> {
  /** Reads one object. @throws ApiError "NotFound" */
  get(key: ObjectKey, opts?: CallOptions): Promise<T>
  /** Lists objects, across all namespaces when `opts.namespace` is unset. */
  list(opts?: ListOptions): Promise<List<T>>
  /** Creates `obj` in `obj.metadata.namespace`. @throws ApiError "AlreadyExists" | "Invalid" */
  create(obj: T, opts?: WriteOptions): Promise<T>
  /**
   * Replaces `obj` (spec and metadata; status is kept by the server).
   * @throws ApiError "Conflict" when `metadata.resourceVersion` is stale, "NotFound", "Invalid"
   */
  update(obj: T, opts?: WriteOptions): Promise<T>
  /** Replaces the status of `obj` through the `status` subresource. @throws ApiError "Conflict" */
  updateStatus(obj: T, opts?: WriteOptions): Promise<T>
  /** Patches one object (or its status, with `opts.subresource`). @throws ApiError "NotFound" */
  patch(key: ObjectKey, patch: unknown, opts: PatchOptions): Promise<T>
  /**
   * Deletes one object. Resolves once the server accepted the deletion, which may still be in
   * progress (finalizers, graceful pod termination). @throws ApiError "NotFound" | "Conflict"
   */
  delete(key: ObjectKey, opts?: DeleteOptions): Promise<void>
  /**
   * Streams changes after `opts.resourceVersion` (or the current objects as ADDED first, when
   * unset or "0"). The iteration ends when the server closes the stream or `signal` aborts;
   * an ERROR event is thrown as its ApiError (reason "Expired" or "Gone" for a compacted
   * resourceVersion: list again). ERROR events are therefore never yielded. In process, its
   * iterator also has `takeAll()`: every event already queued behind the last next(), at once.
   */
  watch(opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>>
}

/** Options every call accepts. */
export interface CallOptions {
  /** Abandons the request. */
  readonly signal?: AbortSignal
}

/** A label selector: upstream's string form (`app=web,tier!=db`) or equality pairs. */
export type LabelSelector = string | Readonly<Record<string, string>>

/** Which objects a list or watch returns. */
export interface SelectorOptions {
  /** Only this namespace; all namespaces when unset. */
  readonly namespace?: string
  readonly labelSelector?: LabelSelector
  /** e.g. `spec.nodeName=node-1`. */
  readonly fieldSelector?: string
}

/** Options of ResourceClient.list. */
export interface ListOptions extends SelectorOptions, CallOptions {
  /** At most this many items; `metadata.continue` then names the next page. */
  readonly limit?: number
  /** The `metadata.continue` token of the previous page. */
  readonly continue?: string
  /** "0" serves from the watch cache; unset reads the latest state. */
  readonly resourceVersion?: string
  readonly resourceVersionMatch?: "Exact" | "NotOlderThan"
}

/** Options of ResourceClient.watch. */
export interface WatchOptions extends SelectorOptions {
  /** Changes after this version; unset or "0" starts with the current objects. */
  readonly resourceVersion?: string
  /** Asks for BOOKMARK events that only carry a newer resourceVersion. */
  readonly allowWatchBookmarks?: boolean
  /**
   * Watch-list: the current objects as ADDED, then a BOOKMARK annotated
   * `k8s.io/initial-events-end`, then changes (sets resourceVersionMatch and bookmarks for you).
   */
  readonly sendInitialEvents?: boolean
  /** The server ends the stream after this long. */
  readonly timeoutSeconds?: number
}

/** Options of writes. */
export interface WriteOptions extends CallOptions {
  /** Validates and admits without persisting. */
  readonly dryRun?: boolean
  /** Who makes the change, for managedFields. */
  readonly fieldManager?: string
}

/** The kind of a patch body; each has its own content type on the wire. */
export type PatchType = "merge" | "json" | "strategic" | "apply"

/** Options of ResourceClient.patch. */
export interface PatchOptions extends WriteOptions {
  /** merge (RFC 7386), json (RFC 6902), strategic (Kubernetes' merge), apply (server-side). */
  readonly type: PatchType
  /** Server-side apply: take ownership of conflicting fields. */
  readonly force?: boolean
  /** Patch a subresource such as "status" instead of the object. */
  readonly subresource?: string
}

/** Options of ResourceClient.delete (the DeleteOptions body). */
export interface DeleteOptions extends CallOptions {
  /** What happens to dependents: orphaned, deleted in the background, or deleted first. */
  readonly propagationPolicy?: "Orphan" | "Background" | "Foreground"
  /** Overrides the object's grace period; 0 deletes at once. */
  readonly gracePeriodSeconds?: number
  /** Fail with "Conflict" unless the object still has this uid and resourceVersion. */
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string }
  readonly dryRun?: boolean
}

/** The HTTP methods the API uses. */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** A query value; undefined values are left out. */
export type QueryValue = string | number | boolean | undefined

/** Options of Client.request: either an absolute `path`, or a resource with optional parts. */
export interface RequestOptions extends CallOptions {
  readonly method: Method
  /** An absolute API path such as `/version`; takes precedence over `ref`. */
  readonly path?: string
  readonly ref?: ResourceRef
  readonly namespace?: string
  readonly name?: string
  /** e.g. "scale", "binding", "eviction", "status". */
  readonly subresource?: string
  readonly query?: Readonly<Record<string, QueryValue>>
  /** Sent as JSON (strings are sent as they are). */
  readonly body?: unknown
  /** Defaults to application/json. */
  readonly contentType?: string
  /**
   * Reads the body of a successful response without decoding it, and resolves to undefined: for
   * writes whose answer the caller does not use (parsing a pod only to drop it costs the write
   * as much again). Failures are still decoded into their ApiError.
   */
  readonly discardBody?: boolean
}

/**
 * The generic registry: create, read, update and delete any resource on the store, with
 * upstream's metadata rules, optimistic concurrency, admission, defaulting and validation.
 */
import {
  ApiError,
  type ApiObject,
  alreadyExists,
  badRequest,
  conflict,
  defaultsStatus,
  invalid,
  schema,
  notFound,
  type ObjectMeta,
} from "../../api/index.ts"
import { KeyExistsError, KeyNotFoundError, RevisionConflictError } from "../../storage/index.ts"
import { withoutOmittedZeros } from "../omit-zero.ts"
import type { UserInfo } from "../http.ts"
import {
  type RegistryDeps,
  type MarkedValue,
  type Served,
  type StoredValue,
  cachedAt,
  cachedEntry,
  readStored,
  storedRevision,
  decode,
  encode,
  encodeMarked,
  encodeMarkedRewrite,
  generateName,
  keyFor,
  needsConversion,
  newUid,
  rememberWritten,
  resourceVersionParts,
  shallowCopy,
  stampRevision,
  timestamp,
  withResourceVersion,
} from "./context.ts"
import { setObjectJson, setObjectJsonParts } from "../output.ts"
import { prepareForCreate, prepareForUpdate } from "./strategy.ts"
import { deleteObject, type DeleteOptions, type DeleteResult } from "./delete.ts"
import { recordUpdate, writeContext } from "../apply/index.ts"

/** Options every write takes. */
export interface WriteOptions {
  readonly dryRun?: boolean
  readonly user?: UserInfo
  /** Records the write in managedFields as an Update by this manager ("" becomes "unknown"). */
  readonly fieldManager?: string
}

/** Options of update. */
export interface UpdateOptions extends WriteOptions {
  /** "" for the main resource, "status" for the status subresource, or another subresource. */
  readonly subresource?: string
  /** The resourceVersion the client required (PUT body or patch), if any: a mismatch is a 409. */
  readonly clientResourceVersion?: string
  /** The subresource managedFields name when it differs from `subresource` (scale writes the main resource). */
  readonly managerSubresource?: string
  /** Create the object when it does not exist (PUT on kinds that allow it, server-side apply). */
  readonly createIfMissing?: boolean
  /**
   * The transform ignores the object it is given or only replaces its top-level or metadata
   * fields, never changing values inside them: it gets a shallow copy of the current object
   * rather than a deep one.
   */
  readonly shallowCurrent?: boolean
}

const MAX_RETRIES = 16

/** What an update starts from: a stored value, and the watch cache's object when it is that one. */
type Current = StoredValue & { readonly obj?: ApiObject }

/** The subresources whose writes managedFields record (others are the server's own). */
const TRACKED_SUBRESOURCES = new Set(["", "status", "scale", "ephemeralcontainers"])

/** Names the resource in messages: `deployments.apps`. */
function qualified(s: Served): { resource: string; group: string } {
  return { resource: s.info.resource, group: s.info.group }
}

function isObject(v: unknown): v is ApiObject {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

/** The generic registry over one store. */
export class Registry {
  readonly #d: RegistryDeps

  constructor(deps: RegistryDeps) {
    this.#d = deps
  }

  /** The deps, for operations kept in other files. */
  get deps(): RegistryDeps {
    return this.#d
  }

  /** Reads the current object from the store, converted to the served version. */
  async get(s: Served, namespace: string, name: string): Promise<ApiObject> {
    const e = await this.#d.store.get(keyFor(s, namespace, name))
    if (!e) throw notFound(qualified(s), name)
    return this.toServed(s, decode(e.value, e.revision))
  }

  /**
   * get for a reader that only encodes the object: the watch cache's object when it is at the
   * revision the store holds (shared with every reader, so never to be changed; its JSON is
   * usually known already), else the stored value parsed as get does.
   */
  async read(s: Served, namespace: string, name: string): Promise<ApiObject> {
    const key = keyFor(s, namespace, name)
    const e = await this.#d.store.get(key)
    if (!e) throw notFound(qualified(s), name)
    return cachedAt(this.#d, s, key, e.revision) ?? this.toServed(s, decode(e.value, e.revision))
  }

  /** Converts a stored object to the served version. */
  toServed(s: Served, obj: ApiObject): ApiObject {
    // Custom resources may still be stored at a CRD's former storage version: always convert.
    return needsConversion(s) || s.info.custom ? this.#d.convert(obj, s.info, s.info.version) : obj
  }

  #toStorage(s: Served, obj: ApiObject): ApiObject {
    return needsConversion(s) ? this.#d.convert(obj, s.info, s.storageVersion) : obj
  }

  /** The key and stored value of a write, announced so the watch cache can skip parsing it back. */
  #written(key: string, s: Served, obj: ApiObject, encoded?: string): [string, string] {
    const stored = this.#toStorage(s, obj)
    const value = encoded ?? encode(stored)
    this.#d.written?.(key, value, stored)
    return [key, value]
  }

  /** Checks apiVersion, kind and namespace of a request body, filling what is missing. */
  #checkBody(s: Served, body: unknown, namespace: string): ApiObject {
    if (!isObject(body)) throw badRequest(`the body of the request is not a ${s.info.kind} object`)
    const gv = s.info.group ? `${s.info.group}/${s.info.version}` : s.info.version
    if (body.kind !== undefined && body.kind !== s.info.kind) {
      throw badRequest(
        `the kind in the data (${String(body.kind)}) does not match the expected kind (${s.info.kind})`,
      )
    }
    if (body.apiVersion !== undefined && body.apiVersion !== gv) {
      throw badRequest(
        `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${gv})`,
      )
    }
    body.apiVersion = gv
    body.kind = s.info.kind
    if (body.metadata !== undefined && !isObject(body.metadata))
      throw badRequest("metadata must be an object")
    const meta = (body.metadata ??= {})
    if (s.info.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        )
      }
      meta.namespace = namespace
    } else delete meta.namespace
    // Decoded as upstream decodes into its Go types: the zeros they cannot hold are gone.
    const type = s.info.custom ? undefined : schema.definitionOf(s.info.group, s.info.version, s.info.kind)
    return type ? (withoutOmittedZeros(type, body) as ApiObject) : body
  }

  #check(s: Served, obj: ApiObject, old?: ApiObject, subresource = ""): void {
    const errs = this.#d.validate(s.info, obj, old, subresource)
    if (errs.length) throw invalid(s.info.kind, obj.metadata?.name ?? "", errs, s.info.group || undefined)
  }

  /** Creates an object. @throws ApiError AlreadyExists, Invalid, BadRequest */
  async create(s: Served, namespace: string, body: unknown, opts: WriteOptions = {}): Promise<ApiObject> {
    const obj = this.#checkBody(s, body, namespace)
    const meta = obj.metadata as NonNullable<ApiObject["metadata"]>
    if (meta.resourceVersion) {
      throw new ApiError("InternalError", "resourceVersion should not be set on objects to be created")
    }
    const generated = !meta.name && !!meta.generateName
    if (generated) meta.name = generateName(meta.generateName as string)
    meta.uid = newUid()
    meta.creationTimestamp = timestamp(this.#d.clock.now())
    delete meta.deletionTimestamp
    delete meta.deletionGracePeriodSeconds
    delete meta.selfLink
    prepareForCreate(s.info, obj)
    this.#d.defaults(s.info, obj)
    if (opts.fieldManager !== undefined) {
      recordUpdate(undefined, obj, opts.fieldManager, writeContext(s.info, "", this.#d.clock.now()))
    }
    await this.#d.admission.admit({
      operation: "CREATE",
      info: s.info,
      namespace,
      name: meta.name ?? "",
      subresource: "",
      object: obj,
      user: opts.user,
      dryRun: !!opts.dryRun,
    })
    const undo = await this.#d.allocate?.(s, obj, undefined, !!opts.dryRun)
    try {
      this.#check(s, obj)
      if (opts.dryRun) return obj
      return await this.#createLoop(s, namespace, obj, generated)
    } catch (err) {
      await undo?.()
      throw err
    }
  }

  async #createLoop(s: Served, namespace: string, obj: ApiObject, generated: boolean): Promise<ApiObject> {
    const meta = obj.metadata as NonNullable<ApiObject["metadata"]>
    delete meta.resourceVersion // an empty one (a set one was refused)
    for (let attempt = 0; ; attempt++) {
      try {
        // Stored as served (most kinds): the response's JSON is the value with its resourceVersion.
        const marked = needsConversion(s) ? undefined : encodeMarked(obj)
        const key = keyFor(s, namespace, meta.name as string)
        const e = await this.#d.store.create(...this.#written(key, s, obj, marked?.value))
        // The object as written, with its new resourceVersion: no need to parse it back.
        const rv = stampRevision(obj, e.revision)
        // As bytes laid out as its ADDED event: the response, the event and lists share them.
        const parts = marked && resourceVersionParts(marked, rv)
        if (parts) setObjectJsonParts(obj, "ADDED", parts)
        if (marked) rememberWritten(obj, marked)
        return obj
      } catch (err) {
        if (!(err instanceof KeyExistsError)) throw err
        // A generated name collided: pick another, as upstream does.
        if (!generated || attempt >= 8) throw alreadyExists(qualified(s), meta.name as string)
        meta.name = generateName(meta.generateName as string)
      }
    }
  }

  /**
   * Reads, transforms and writes back an object, retrying on concurrent writes unless the
   * client named the resourceVersion it expects (then a mismatch is a 409 Conflict).
   */
  async update(
    s: Served,
    ref: { namespace: string; name: string },
    transform: (current: ApiObject | undefined) => unknown | Promise<unknown>,
    opts: UpdateOptions = {},
  ): Promise<{ object: ApiObject; created: boolean }> {
    const key = keyFor(s, ref.namespace, ref.name)
    // The first attempt starts from the watch cache's object when its stored value is known,
    // without reading the store (not for a dry run: it writes nothing that would check it).
    let cached: Current | undefined = opts.dryRun ? undefined : cachedEntry(this.#d, s, key)
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const fromCache = cached !== undefined
      const cur = cached ?? (await readStored(this.#d, s, key))
      cached = undefined
      if (!cur) {
        const created = await this.#createMissing(s, ref, transform, opts)
        if (created) return { object: created, created: true }
        continue // lost a race with another create: read again
      }
      const writing = { started: false }
      try {
        const done = await this.#attempt(s, ref, key, cur, transform, opts, fromCache, writing)
        if (done) return done
      } catch (err) {
        // From the cache's object the error may be a stale object's (the cache lags the store): it
        // stands when the store still holds that object, else the next attempt reads the store's.
        if (!fromCache || writing.started || (await storedRevision(this.#d, key)) === cur.revision) throw err
      }
    }
    throw conflict(qualified(s), ref.name, "too many concurrent updates; please try again")
  }

  /**
   * One attempt of update from `cur`; undefined when another write won the race (or `cur`, the
   * cache's, was stale). `writing.started` is set once the store is written to.
   */
  async #attempt(
    s: Served,
    ref: { namespace: string; name: string },
    key: string,
    cur: Current,
    transform: (current: ApiObject | undefined) => unknown | Promise<unknown>,
    opts: UpdateOptions,
    fromCache: boolean,
    writing: { started: boolean },
  ): Promise<{ object: ApiObject; created: boolean } | undefined> {
    const sub = opts.subresource ?? ""
    // Deep copies of the current object are made by parsing it again: cheaper than structuredClone.
    const copyOfOld = () => this.toServed(s, decode(cur.value, cur.revision))
    // The watch cache's object when it is this revision (never changed here: only copies are), for
    // the kinds whose defaults leave status alone: a status write of another kind (or a custom
    // resource) defaults the whole object, whose spec and metadata would be the shared object's.
    const shared = sharesCurrent(s) ? cur.obj : undefined
    const old = shared ?? copyOfOld()
    const current = opts.shallowCurrent ? shallowCopy(old) : copyOfOld()
    const next = this.#checkBody(s, await transform(current), ref.namespace)
    const meta = next.metadata as NonNullable<ApiObject["metadata"]>
    const oldMeta = old.metadata as NonNullable<ApiObject["metadata"]>
    if (meta.name !== undefined && meta.name !== ref.name) {
      throw badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${ref.name})`,
      )
    }
    meta.name = ref.name
    const wanted = opts.clientResourceVersion || undefined
    if (wanted && wanted !== oldMeta.resourceVersion) {
      throw conflict(
        qualified(s),
        ref.name,
        "the object has been modified; please apply your changes to the latest version and try again",
      )
    }
    keepSystemFields(meta, oldMeta)
    // A status write keeps the old object but its status: the shared one's top level is copied.
    const base = shared ? () => shared : copyOfOld
    const prepared = prepareForUpdate(s.info, next as never, old as never, sub, base as never)
    if (needsDefaults(s, sub)) this.#d.defaults(s.info, prepared)
    this.#recordUpdate(s, old, prepared, opts)
    await this.#d.admission.admit({
      operation: "UPDATE",
      info: s.info,
      namespace: ref.namespace,
      name: ref.name,
      subresource: sub,
      object: prepared,
      old,
      user: opts.user,
      dryRun: !!opts.dryRun,
    })
    const undo = await this.#d.allocate?.(s, prepared, old, !!opts.dryRun)
    let done: { object: ApiObject; created: boolean } | undefined
    try {
      done = await this.#writeUpdate(s, key, cur, prepared, old, opts, fromCache, writing)
    } catch (err) {
      await undo?.()
      throw err
    }
    if (!done) await undo?.() // lost a race: the next attempt allocates again
    return done
  }

  /** Records an update in managedFields when the write names a manager. */
  #recordUpdate(s: Served, old: ApiObject, next: ApiObject, opts: UpdateOptions): void {
    const sub = opts.managerSubresource ?? opts.subresource ?? ""
    if (opts.fieldManager === undefined || !TRACKED_SUBRESOURCES.has(sub)) return
    recordUpdate(old, next, opts.fieldManager, writeContext(s.info, sub, this.#d.clock.now()))
  }

  /**
   * Checks and writes one prepared update; undefined when another write won the race, or when
   * `cur` was the cache's object (`fromCache`) and the store no longer holds it.
   */
  async #writeUpdate(
    s: Served,
    key: string,
    cur: StoredValue,
    prepared: ApiObject,
    old: ApiObject,
    opts: UpdateOptions,
    fromCache: boolean,
    writing: { started: boolean },
  ): Promise<{ object: ApiObject; created: boolean } | undefined> {
    const revision = cur.revision
    if (opts.subresource !== "binding") this.#check(s, prepared, old, opts.subresource)
    // Served and stored forms are one when nothing converts: compare with the stored value as is.
    const marked =
      needsConversion(s) || s.info.custom
        ? undefined
        : encodeMarkedRewrite(prepared, { obj: old, value: cur.value })
    const same = marked?.value
    if (same === undefined ? encode(prepared) === encode(old) : same === cur.value) {
      // No write: from the cache's object, only once the store is seen to hold it still.
      if (fromCache && (await storedRevision(this.#d, key)) !== revision) return undefined
      return { object: old, created: false }
    }
    if (opts.dryRun) return { object: prepared, created: false }
    writing.started = true
    return this.#commit(s, key, revision, prepared, old, marked, opts)
  }

  /** Writes a checked update (see #writeUpdate). */
  async #commit(
    s: Served,
    key: string,
    revision: number,
    prepared: ApiObject,
    old: ApiObject,
    marked: MarkedValue | undefined,
    opts: UpdateOptions,
  ): Promise<{ object: ApiObject; created: boolean } | undefined> {
    if (shouldDeleteDuringUpdate(prepared)) {
      const e = await this.#d.store.delete(key, revision).catch((err) => {
        if (err instanceof RevisionConflictError || err instanceof KeyNotFoundError) return undefined
        throw err
      })
      if (!e) return undefined
      await this.#d.released?.(s, old, undefined)
      return { object: this.toServed(s, decode(encode(prepared), e.revision)), created: false }
    }
    try {
      const e = await this.#d.store.update(...this.#written(key, s, prepared, marked?.value), revision)
      if (marked) rememberWritten(prepared, marked)
      await this.#d.released?.(s, old, prepared)
      const rv = stampRevision(prepared, e.revision)
      // The response and watch event reuse the stored value, with the new resourceVersion spliced in.
      const json = marked && withResourceVersion(marked, rv)
      if (json) setObjectJson(prepared, json)
      return { object: prepared, created: false }
    } catch (err) {
      if (err instanceof KeyNotFoundError) return undefined
      if (!(err instanceof RevisionConflictError)) throw err
      // The client's resourceVersion was the object's (from the cache or not): not the store's now.
      if (opts.clientResourceVersion) {
        throw conflict(
          qualified(s),
          (old.metadata as ObjectMeta).name as string,
          "the object has been modified; please apply your changes to the latest version and try again",
        )
      }
      return undefined
    }
  }

  /** Creates the object `transform` makes from nothing, or undefined when another create won. */
  async #createMissing(
    s: Served,
    ref: { namespace: string; name: string },
    transform: (current: ApiObject | undefined) => unknown | Promise<unknown>,
    opts: UpdateOptions,
  ): Promise<ApiObject | undefined> {
    if (!opts.createIfMissing) throw notFound(qualified(s), ref.name)
    const body = await transform(undefined)
    return this.create(s, ref.namespace, body, opts).catch((err) => {
      if (err instanceof ApiError && err.reason === "AlreadyExists") return undefined
      throw err
    })
  }

  /** Deletes an object gracefully or at once (see delete.ts). */
  delete(s: Served, ref: { namespace: string; name: string }, opts: DeleteOptions): Promise<DeleteResult> {
    return deleteObject(this, s, ref, opts)
  }
}

/**
 * Whether an update of subresource `sub` has anything to default: a binding sets spec.nodeName
 * and a condition, and a status write changes status alone (the rest is the stored object,
 * defaulted when written), which most kinds' defaults leave alone.
 */
function needsDefaults(s: Served, sub: string): boolean {
  if (sub === "binding") return false
  return sub !== "status" || !!s.info.custom || defaultsStatus(s.info)
}

/**
 * Whether an update may build on the watch cache's object itself rather than a copy: only where
 * defaulting, which runs on the whole object written, never reaches the parts kept from it (the
 * status a spec write keeps, the rest a status write keeps): the kinds whose status writes need
 * no defaults.
 */
function sharesCurrent(s: Served): boolean {
  return !needsDefaults(s, "status")
}

/** Copies the fields clients may not change on update from the stored object. */
function keepSystemFields(meta: ObjectMeta, old: ObjectMeta): void {
  meta.resourceVersion = old.resourceVersion
  if (!meta.uid) meta.uid = old.uid
  meta.creationTimestamp = old.creationTimestamp
  if (old.deletionTimestamp) {
    meta.deletionTimestamp = old.deletionTimestamp
    meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds
  } else {
    delete meta.deletionTimestamp
    delete meta.deletionGracePeriodSeconds
  }
}

/** An object being deleted whose finalizers are all gone is removed by the update that cleared them. */
export function shouldDeleteDuringUpdate(obj: ApiObject & { spec?: any; kind?: string }): boolean {
  const meta = obj.metadata
  if (!meta?.deletionTimestamp) return false
  if (meta.finalizers?.length) return false
  if (obj.kind === "Namespace" && obj.spec?.finalizers?.length) return false
  if (obj.kind === "Pod" && (meta.deletionGracePeriodSeconds ?? 0) > 0) return false
  return true
}

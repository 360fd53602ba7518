/**
 * The registry's update path (PUT, patches, status and other subresource writes, server-side
 * apply): read, transform, check, admit and compare-and-swap the object, retrying on concurrent
 * writes unless the client named the resourceVersion it expects, and creating the object where
 * the write may.
 */
import {
  ApiError,
  type ApiObject,
  badRequest,
  conflict,
  defaultsStatus,
  notFound,
  type ObjectMeta,
} from "../../api/index.ts"
import { KeyNotFoundError, RevisionConflictError } from "../../storage/index.ts"
import { jsonEqual } from "../../util/index.ts"
import {
  type AdmissionRequest,
  type MarkedValue,
  type RegistryDeps,
  type Served,
  type StoredValue,
  cachedEntry,
  decode,
  encode,
  encodeMarkedRewrite,
  keyFor,
  needsConversion,
  readStored,
  rememberWritten,
  shallowCopy,
  stampRevision,
  storedRevision,
  timestamp,
  withResourceVersion,
} from "./context.ts"
import { setObjectJson } from "../output.ts"
import { namesNoRevision, sameRevision } from "../resource-version.ts"
import { hasStatus, prepareForUpdate, shouldDeleteDuringUpdate } from "./strategy.ts"
import { recordUpdate, writeContext } from "../apply/index.ts"
import { type WriteOptions, checkBody, checkValid, qualified, storedForm, written } from "./write.ts"
import { resourceVersionRequired } from "./unconditional-update.ts"
import { checkUidPrecondition } from "./uid-precondition.ts"

/** Options of update. */
export interface UpdateOptions extends WriteOptions {
  /** "" for the main resource, "status" for the status subresource, or another subresource. */
  readonly subresource?: string
  /**
   * A resourceVersion the request requires besides the one the object written carries (a
   * Scale's, the PodDisruptionBudget's of an eviction), if any: a mismatch is a 409.
   */
  readonly clientResourceVersion?: string
  /** The subresource managedFields name when it differs from `subresource` (scale writes the main resource). */
  readonly managerSubresource?: string
  /** Admitted already in another form (a Scale, a Binding): the update itself is not admitted. */
  readonly admitted?: boolean
  /**
   * An update of an existing object must name the resourceVersion it replaces (a PUT of a kind
   * whose upstream strategy refuses unconditional updates): one that names none is a 422.
   */
  readonly versionRequired?: boolean
  /** Create the object when it does not exist (PUT on kinds that allow it, server-side apply). */
  readonly createIfMissing?: boolean
  /**
   * The transform ignores the object it is given or only replaces its top-level or metadata
   * fields, never changing values inside them: it gets a shallow copy of the current object
   * rather than a deep one.
   */
  readonly shallowCurrent?: boolean
  /**
   * The uid a PUT's body names, which must be the stored object's, as upstream's PUT makes it a
   * precondition of the update: another is a 409 Conflict (see uid-precondition.ts). None or ""
   * is no precondition.
   */
  readonly uidPrecondition?: unknown
}

/** Makes the object to write from the current one (undefined when there is none). */
export type UpdateTransform = (current: ApiObject | undefined) => unknown | Promise<unknown>

/** What an update returns: the object as written (or as it stays), and whether it was created. */
export interface UpdateResult {
  object: ApiObject
  created: boolean
}

/** What updateObject needs of the registry. */
export interface UpdateHost {
  readonly deps: RegistryDeps
  toServed(s: Served, obj: ApiObject): ApiObject
  create(s: Served, namespace: string, body: unknown, opts?: WriteOptions): Promise<ApiObject>
}

/** What an update starts from: a stored value, and the watch cache's object when it is that one. */
type Current = StoredValue & { readonly obj?: ApiObject }

/**
 * One attempt of an update: the registry, the resource, the key and the stored value it starts
 * from, the options, and whether the store was written to yet.
 */
interface Attempt {
  readonly reg: UpdateHost
  readonly s: Served
  readonly key: string
  readonly cur: Current
  readonly opts: UpdateOptions
  /** `cur` is the watch cache's object, which may lag the store. */
  readonly fromCache: boolean
  /** Set once the store is written to. */
  started: boolean
}

/** The subresources whose writes managedFields record (others are the server's own). */
const TRACKED_SUBRESOURCES = new Set(["", "status", "scale", "ephemeralcontainers", "resize"])

/**
 * Reads, transforms and writes back an object, retrying on concurrent writes unless the
 * client named the resourceVersion it expects (then a mismatch is a 409 Conflict).
 *
 * As upstream's GuaranteedUpdate, the retries have no cap: an attempt is retried only when
 * another write changed (or removed) the object since it was read, or when it started from the
 * watch cache's object and the store holds another, and each retry reads the store again. So
 * every retry follows another writer's progress, never a spin on the same value; and a request
 * naming a resourceVersion conflicts on the retry after a lost race (the stored one moved on).
 */
export async function updateObject(
  reg: UpdateHost,
  s: Served,
  ref: { namespace: string; name: string },
  transform: UpdateTransform,
  opts: UpdateOptions,
): Promise<UpdateResult> {
  const key = keyFor(s, ref.namespace, ref.name)
  // The first attempt starts from the watch cache's object when its stored value is known,
  // without reading the store (not for a dry run: it writes nothing that would check it).
  let cached: Current | undefined = opts.dryRun ? undefined : cachedEntry(reg.deps, s, key)
  for (;;) {
    const fromCache = cached !== undefined
    const cur = cached ?? (await readStored(reg.deps, s, key))
    cached = undefined
    if (!cur) {
      const created = await createMissing(reg, s, ref, transform, opts)
      if (created) return { object: created, created: true }
      continue // lost a race with another create: read again
    }
    const a: Attempt = { reg, s, key, cur, opts, fromCache, started: false }
    try {
      const done = await updateAttempt(a, ref, transform)
      if (done) return done
    } catch (err) {
      // From the cache's object the error may be a stale object's (the cache lags the store): it
      // stands when the store still holds that object, else the next attempt reads the store's.
      if (!fromCache || a.started || (await storedRevision(reg.deps, key)) === cur.revision) throw err
    }
  }
}

/**
 * One attempt of updateObject from `a.cur`; undefined when another write won the race (or
 * `a.cur`, the cache's, was stale).
 */
async function updateAttempt(
  a: Attempt,
  ref: { namespace: string; name: string },
  transform: UpdateTransform,
): Promise<UpdateResult | undefined> {
  const { reg, s, cur, opts } = a
  const sub = opts.subresource ?? ""
  // Deep copies of the current object are made by parsing it again: cheaper than structuredClone.
  const copyOfOld = () => reg.toServed(s, decode(cur.value, cur.revision))
  // The watch cache's object when it is this revision (never changed here: only copies are), for
  // the kinds whose defaults leave status alone: a status write of another kind (or a custom
  // resource) defaults the whole object, whose spec and metadata would be the shared object's.
  const shared = sharesCurrent(s) ? cur.obj : undefined
  const old = shared ?? copyOfOld()
  const current = opts.shallowCurrent ? shallowCopy(old) : copyOfOld()
  const next = checkBody(s, await transform(current), ref.namespace, keptBy(s, sub))
  const meta = next.metadata as NonNullable<ApiObject["metadata"]>
  if (meta.name !== ref.name) {
    throw badRequest(
      `the name of the object (${meta.name ?? ""}) does not match the name on the URL (${ref.name})`,
    )
  }
  // Checked on the object read, before anything changes the written one, as upstream's store
  // checks its preconditions before the update's transformers run.
  checkUidPrecondition(s, ref, { wanted: opts.uidPrecondition, found: old.metadata?.uid ?? "" })
  // A status write keeps the old object but its status: the shared one's top level is copied.
  const base = shared ? () => shared : copyOfOld
  const d = reg.deps
  // Defaulted as it comes, before mutating admission, as upstream defaults every body it decodes
  // or patches ahead of its transformers: admission sees an ephemeral container or a status
  // with their defaults, and what the strategy compares with the stored object (the spec a
  // generation counts, a DaemonSet's template) is defaulted on both sides. Some subresource
  // writes have nothing to default (see needsDefaults); they are left as they are.
  if (sub === "" || needsDefaults(s, sub)) d.defaults(s.info, next)
  const admitted = await admittedUpdate(a, ref, next, old)
  // What the object needs from a shared pool (a Service's ClusterIP and NodePorts) is reserved
  // before the strategy prepares it, as upstream's BeginUpdate comes before BeforeUpdate, and
  // given back if the write does not happen. Only a main-resource write may change what it needs.
  const undo = sub === "" ? await d.allocate?.(s, next, old, !!opts.dryRun) : undefined
  let done: UpdateResult | undefined
  try {
    const req = preparedUpdate(a, admitted, old, base)
    done = await writeUpdate(a, req.object as ApiObject, old, req)
  } catch (err) {
    await undo?.()
    throw err
  }
  if (!done) await undo?.() // lost a race: the next attempt allocates again
  return done
}

/**
 * The update of `old` to `next` as upstream's update handler's transformers make it: recorded
 * in managedFields and changed by mutating admission as written (the resourceVersion, uid and
 * creationTimestamp the client sent, or none), then checked against the stored resourceVersion
 * as Store.Update checks the object admission returned. Returns the admission request.
 */
async function admittedUpdate(
  a: Attempt,
  ref: { namespace: string; name: string },
  next: ApiObject,
  old: ApiObject,
): Promise<AdmissionRequest> {
  const { reg, s, opts } = a
  const d = reg.deps
  const sub = opts.subresource ?? ""
  // A resize's managedFields count the resources admission set, once its strategy kept only
  // them (preparedUpdate): what admission changes elsewhere (LimitRanger's annotation, a
  // webhook's labels) is not stored.
  if (sub !== "resize") recordManagedUpdate(d, s, old, next, opts)
  // Mutating admission changes `next` in place (a webhook's patch replaces its contents).
  const req = updateRequest(a, ref, next, old)
  if (!opts.admitted) await d.admission.mutate(req)
  // The storage's own check, as upstream's storage wrappers add theirs after the update's
  // transformers and before their store reads the resourceVersion.
  await d.guard?.(req, ref.name)
  checkResourceVersion(a, ref.name, next, old)
  return req
}

/**
 * Checks the resourceVersion of an admitted update as upstream's Store.Update does: one that
 * is not the stored object's (the object's, or the one the request names elsewhere, a Scale's
 * or an eviction's) is a 409 Conflict; none (or "0") updates whatever is stored, the stored
 * one filled in. The Conflict names `name`, the URL's, as upstream's (admission may have
 * renamed the object: validation refuses that later).
 * @throws ApiError Conflict; a malformed one as upstream's versioner, a 500
 */
function checkResourceVersion(a: Attempt, name: string, next: ApiObject, old: ApiObject): void {
  const meta = (next.metadata ??= {})
  const stored = old.metadata?.resourceVersion
  // Kinds whose upstream strategy refuses unconditional updates want the object to name one.
  if (a.opts.versionRequired && namesNoRevision(meta.resourceVersion ?? "")) {
    throw resourceVersionRequired(a.s.info, name)
  }
  for (const rv of [meta.resourceVersion, a.opts.clientResourceVersion]) {
    if (!rv || namesNoRevision(rv)) continue
    if (!sameRevision(rv, stored)) {
      throw conflict(
        qualified(a.s),
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      )
    }
  }
  meta.resourceVersion = stored
}

/**
 * The object an admitted update writes, as upstream's BeforeUpdate prepares it: the kind's
 * strategy first, then the uid (when none was written), creationTimestamp and deletion fields
 * the stored object has; the admission request validation gets, its object the prepared one.
 */
function preparedUpdate(
  a: Attempt,
  req: AdmissionRequest,
  old: ApiObject,
  base: () => ApiObject,
): AdmissionRequest {
  const { reg, s, opts } = a
  const d = reg.deps
  const sub = opts.subresource ?? ""
  const next = req.object as ApiObject
  const now = () => timestamp(d.clock.now())
  const prepared = prepareForUpdate(s.info, next as never, old as never, sub, now, base as never)
  keepSystemFields((prepared.metadata ??= {}), old.metadata as ObjectMeta)
  // A custom resource gets its schema's defaults again where the strategy kept the stored
  // object, as upstream's are applied again to the object it reads from storage.
  if (s.info.custom) d.defaults(s.info, prepared)
  if (sub === "resize") recordManagedUpdate(d, s, old, prepared, opts)
  return prepared === next ? req : { ...req, object: prepared }
}

/** The admission request of an update of `old` to `object`. */
function updateRequest(
  a: Attempt,
  ref: { namespace: string; name: string },
  object: ApiObject,
  old: ApiObject,
): AdmissionRequest {
  const { s, opts } = a
  return {
    operation: "UPDATE",
    info: s.info,
    namespace: ref.namespace,
    name: ref.name,
    subresource: opts.subresource ?? "",
    object,
    old,
    user: opts.user,
    dryRun: !!opts.dryRun,
    notes: opts.notes,
    origin: opts.origin,
  }
}

/** Records an update in managedFields when the write names a manager. */
function recordManagedUpdate(
  deps: RegistryDeps,
  s: Served,
  old: ApiObject,
  next: ApiObject,
  opts: UpdateOptions,
): void {
  const sub = opts.managerSubresource ?? opts.subresource ?? ""
  if (opts.fieldManager === undefined || !TRACKED_SUBRESOURCES.has(sub)) return
  recordUpdate(old, next, opts.fieldManager, writeContext(s.info, sub, deps.clock.now(), deps.customShape))
}

/**
 * Checks and writes one prepared update; undefined when another write won the race, or when
 * `a.cur` was the cache's object (`a.fromCache`) and the store no longer holds it.
 */
async function writeUpdate(
  a: Attempt,
  admitted: ApiObject,
  old: ApiObject,
  req: AdmissionRequest,
): Promise<UpdateResult | undefined> {
  const { reg, s, cur, opts } = a
  const revision = cur.revision
  if (opts.subresource !== "binding") checkValid(reg.deps, s, admitted, old, opts.subresource)
  if (!opts.admitted) await reg.deps.admission.validate(req)
  // Compared, stored and answered as the store reads it back: a [] written over a stored null is no change.
  const prepared = storedForm(s, admitted)
  // Served and stored forms are one when nothing converts: compare with the stored value as is.
  const marked =
    needsConversion(s) || s.info.custom
      ? undefined
      : encodeMarkedRewrite(prepared, { obj: old, value: cur.value })
  if (unchanged(marked?.value ?? encode(prepared), marked ? cur.value : encode(old), prepared, old)) {
    // No write: from the cache's object, only once the store is seen to hold it still.
    if (a.fromCache && (await storedRevision(reg.deps, a.key)) !== revision) return undefined
    return { object: old, created: false }
  }
  if (opts.dryRun) return { object: prepared, created: false }
  a.started = true
  return commit(a, prepared, old, marked)
}

/**
 * Whether an update, encoded `next`, leaves the object encoded `prev` as it was. Go encodes
 * fields in a fixed order, so upstream compares encodings; here a client's body may put the
 * same keys in another order (encodings of the same length then), so those are compared as
 * values.
 */
function unchanged(next: string, prev: string, obj: ApiObject, old: ApiObject): boolean {
  return next === prev || (next.length === prev.length && jsonEqual(obj, old))
}

/** Writes a checked update (see writeUpdate). */
async function commit(
  a: Attempt,
  prepared: ApiObject,
  old: ApiObject,
  marked: MarkedValue | undefined,
): Promise<UpdateResult | undefined> {
  const { reg, s, key } = a
  const revision = a.cur.revision
  const d = reg.deps
  if (shouldDeleteDuringUpdate(prepared)) {
    const e = await d.store.delete(key, revision).catch((err) => {
      if (err instanceof RevisionConflictError || err instanceof KeyNotFoundError) return undefined
      throw err
    })
    if (!e) return undefined
    await d.released?.(s, old, undefined)
    return { object: reg.toServed(s, decode(encode(prepared), e.revision)), created: false }
  }
  try {
    const e = await d.store.update(...written(d, key, s, prepared, marked?.value), revision)
    if (marked) rememberWritten(prepared, marked)
    await d.released?.(s, old, prepared)
    const rv = stampRevision(prepared, e.revision)
    // The response and watch event reuse the stored value, with the new resourceVersion spliced in.
    const json = marked && withResourceVersion(marked, rv)
    if (json) setObjectJson(prepared, json)
    return { object: prepared, created: false }
  } catch (err) {
    // Another write won the race: the next attempt starts again from what it wrote, as upstream's
    // GuaranteedUpdate does; a resourceVersion the request requires is then a Conflict there.
    if (err instanceof KeyNotFoundError || err instanceof RevisionConflictError) return undefined
    throw err
  }
}

/** Creates the object `transform` makes from nothing, or undefined when another create won. */
async function createMissing(
  reg: UpdateHost,
  s: Served,
  ref: { namespace: string; name: string },
  transform: UpdateTransform,
  opts: UpdateOptions,
): Promise<ApiObject | undefined> {
  // Upstream's store checks the precondition on the empty object it starts from, even where the
  // update may not create.
  checkUidPrecondition(s, ref, { wanted: opts.uidPrecondition, found: "" })
  if (!opts.createIfMissing) throw notFound(qualified(s), ref.name)
  const body = await transform(undefined)
  return reg.create(s, ref.namespace, body, { ...opts, createOnUpdate: true }).catch((err) => {
    if (err instanceof ApiError && err.reason === "AlreadyExists") return undefined
    throw err
  })
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

/** The top-level fields of a status write's body that it keeps (see statusWrite): the rest is the stored object's. */
const STATUS_WRITE_KEEPS = ["metadata", "status"] as const

/** The top-level fields of the body an update of subresource `sub` keeps; undefined for all of them. */
function keptBy(s: Served, sub: string): readonly string[] | undefined {
  return sub === "status" && hasStatus(s.info) ? STATUS_WRITE_KEEPS : undefined
}

/**
 * Fills in what an update leaves to the stored object, as upstream's BeforeUpdate: the uid when
 * none was written, the creationTimestamp and deletionTimestamp, and the grace period when none
 * was written. Any other change to them is validation's to refuse (they are immutable).
 */
function keepSystemFields(meta: ObjectMeta, old: ObjectMeta): void {
  if (!meta.uid) meta.uid = old.uid
  if (old.creationTimestamp) meta.creationTimestamp = old.creationTimestamp
  if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp
  if (old.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds === undefined) {
    meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds
  }
}

/**
 * Deletion as upstream does it: preconditions, graceful deletion (pods stay with a
 * deletionTimestamp until their kubelet confirms), finalizers (including the ones
 * propagationPolicy adds for the garbage collector), and immediate removal otherwise.
 */
import { ApiError, type ApiObject, conflict, notFound } from "../../api/index.ts"
import { KeyNotFoundError, RevisionConflictError } from "../../storage/index.ts"
import type { UserInfo } from "../http.ts"
import {
  type AdmissionNotes,
  type AdmissionOrigin,
  type MarkedValue,
  type RegistryDeps,
  type Served,
  type StoredValue,
  cachedEntry,
  readStored,
  storedRevision,
  decode,
  encode,
  encodeMarkedRewrite,
  keyFor,
  rememberWritten,
  shallowCopy,
  stampRevision,
  timestamp,
  withResourceVersion,
} from "./context.ts"
import { setObjectJson } from "../output.ts"
import { defaultGracePeriod } from "./strategy.ts"
import { withSortedKeys } from "./custom-key-order.ts"

/** meta/v1 DeleteOptions, as the handler decoded them from the body and query. */
export interface DeleteOptions {
  readonly gracePeriodSeconds?: number
  readonly propagationPolicy?: "Orphan" | "Background" | "Foreground"
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string }
  readonly dryRun?: boolean
  readonly user?: UserInfo
  /** The API request the delete came from, for admission (its options). */
  readonly origin?: AdmissionOrigin
  /** Where admission leaves its warnings and audit annotations. */
  readonly notes?: AdmissionNotes
  /** Admitted already as another operation (an eviction's CREATE): no DELETE admission. */
  readonly admitted?: boolean
}

/** What a delete did: `finished` when the object is gone, else it is terminating. */
export interface DeleteResult {
  readonly object: ApiObject
  readonly finished: boolean
}

const FOREGROUND = "foregroundDeletion"
const ORPHAN = "orphan"

function finalizersFor(
  meta: NonNullable<ApiObject["metadata"]>,
  policy: DeleteOptions["propagationPolicy"],
): string[] {
  const list = (meta.finalizers ?? []).filter((f) => (f !== FOREGROUND && f !== ORPHAN) || !policy)
  if (policy === "Foreground") list.push(FOREGROUND)
  if (policy === "Orphan") list.push(ORPHAN)
  return [...new Set(list)]
}

/**
 * Upstream's BeforeDelete check of the object read for the delete: a precondition given (an empty
 * one too) that the object does not meet is a 409 on its kind (`ConfigMap "x"`), in its words.
 */
function checkPreconditions(s: Served, obj: ApiObject, pre: DeleteOptions["preconditions"]): void {
  const meta = obj.metadata ?? {}
  const kind = { resource: s.info.kind, group: s.info.group }
  const name = meta.name ?? ""
  const uid = meta.uid ?? ""
  const rv = meta.resourceVersion ?? ""
  if (typeof pre?.uid === "string" && pre.uid !== uid) {
    throw conflict(
      kind,
      name,
      `the UID in the precondition (${pre.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
    )
  }
  if (typeof pre?.resourceVersion === "string" && pre.resourceVersion !== rv) {
    throw conflict(
      kind,
      name,
      `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${rv}). The object might have been modified`,
    )
  }
}

type Obj = ApiObject & { spec?: any; status?: any }

/**
 * Turns `next` (a copy of `obj` to edit) into the object as a delete leaves it while it
 * terminates; tells whether that changed anything and whether it can go at once.
 */
function terminating(
  s: Served,
  obj: Obj,
  next: Obj,
  opts: DeleteOptions,
  now: number,
): { changed: boolean; removeNow: boolean } {
  const meta = obj.metadata as NonNullable<ApiObject["metadata"]>
  const grace = defaultGracePeriod(s.info, obj, opts.gracePeriodSeconds)
  const finalizers = finalizersFor(meta, opts.propagationPolicy)
  const isNamespace = s.info.group === "" && s.info.kind === "Namespace"
  const nsFinalizers: string[] = isNamespace ? (obj.spec?.finalizers ?? []) : []
  const nm = next.metadata as NonNullable<ApiObject["metadata"]>
  setDeadline(meta, nm, grace, now)
  // Upstream's namespace Delete records only the deletionTimestamp (and the phase) while the
  // namespace's content goes: no grace period, which it never has.
  if (isNamespace && meta.deletionGracePeriodSeconds === undefined) delete nm.deletionGracePeriodSeconds
  if (finalizers.length) nm.finalizers = finalizers
  else delete nm.finalizers
  if (isNamespace) next.status = { ...(next.status ?? {}), phase: "Terminating" }
  const changed =
    nm.deletionTimestamp !== meta.deletionTimestamp ||
    nm.deletionGracePeriodSeconds !== meta.deletionGracePeriodSeconds ||
    JSON.stringify(nm.finalizers) !== JSON.stringify(meta.finalizers) ||
    (isNamespace && obj.status?.phase !== "Terminating")
  const removeNow =
    (nm.deletionGracePeriodSeconds ?? 0) === 0 && finalizers.length === 0 && nsFinalizers.length === 0
  return { changed, removeNow }
}

type Meta = NonNullable<ApiObject["metadata"]>

/**
 * Sets in `nm` the deletionTimestamp and grace period a delete with `grace` seconds at `now` gives
 * an object whose metadata is `meta`.
 */
function setDeadline(meta: Meta, nm: Meta, grace: number, now: number): void {
  const already = meta.deletionTimestamp
  const given = meta.deletionGracePeriodSeconds ?? 0
  if (!already) {
    nm.deletionTimestamp = timestamp(now + grace * 1000)
    nm.deletionGracePeriodSeconds = grace
    // Being deleted changes what the object's controllers may do, so the first deletionTimestamp
    // counts as a change of generation, as upstream (BeforeDelete and markAsDeleting).
    if ((meta.generation ?? 0) > 0) nm.generation = (meta.generation as number) + 1
  } else if (grace < given) {
    // A second delete may shorten the grace period the first gave, never lengthen it: the
    // deadline moves as if the first had asked for the shorter one (upstream's BeforeDelete).
    nm.deletionTimestamp = timestamp(Date.parse(already) + (grace - given) * 1000)
    nm.deletionGracePeriodSeconds = grace
  }
}

/** True when a delete must first record a deletionTimestamp rather than remove the object. */
function isStaged(s: Served, obj: Obj, opts: DeleteOptions): boolean {
  // Pods always record their deletion first, so the DELETED event carries a deletionTimestamp.
  if (s.info.group === "" && (s.info.kind === "Pod" || s.info.kind === "Namespace")) return true
  if (defaultGracePeriod(s.info, obj, opts.gracePeriodSeconds) > 0) return true
  return finalizersFor(obj.metadata ?? {}, opts.propagationPolicy).length > 0
}

/** Records the JSON `obj` has once its resourceVersion is `revision` (the marked value's, spliced). */
function setJson(obj: ApiObject, marked: MarkedValue, revision: number): void {
  const json = withResourceVersion(marked, String(revision))
  if (json) setObjectJson(obj, json)
}

/** A store write that lost a race: the caller retries from a fresh read. */
function isRace(err: unknown): boolean {
  return err instanceof RevisionConflictError || err instanceof KeyNotFoundError
}

/** What deleteObject needs of the registry. */
export interface DeleteHost {
  readonly deps: RegistryDeps
  toServed(s: Served, obj: ApiObject): ApiObject
}

/** What a delete starts from: a stored value and the object it holds. */
type Current = StoredValue & { readonly obj: Obj }

/** The stored entry at `key` and the object it holds (the watch cache's when at that revision). */
async function readCurrent(deps: RegistryDeps, s: Served, key: string): Promise<Current | undefined> {
  const e = await readStored(deps, s, key)
  return e && { value: e.value, revision: e.revision, obj: (e.obj ?? decode(e.value, e.revision)) as Obj }
}

/**
 * Deletes one object; see the module comment. The first attempt starts from the watch cache's
 * object when its stored value is known (see cachedEntry): the writes are compare-and-swaps on its
 * revision, and a failed precondition or an answer without a write is checked against the store
 * first, since the cache may lag it.
 */
export async function deleteObject(
  reg: DeleteHost,
  s: Served,
  ref: { namespace: string; name: string },
  opts: DeleteOptions,
): Promise<DeleteResult> {
  const { admission } = reg.deps
  const key = keyFor(s, ref.namespace, ref.name)
  // Not for a dry run: it writes nothing that would check the cache's object.
  let cached = opts.dryRun ? undefined : cachedEntry(reg.deps, s, key)
  let admitted = opts.admitted === true
  for (let attempt = 0; attempt < 16; attempt++) {
    const fromCache = cached !== undefined
    const cur: Current | undefined = cached ?? (await readCurrent(reg.deps, s, key))
    cached = undefined
    if (!cur) throw notFound(s.info, ref.name)
    /** Whether the store still holds `cur` (always so when it was read from the store). */
    const held = async () => !fromCache || (await storedRevision(reg.deps, key)) === cur.revision
    const writing = { started: false }
    try {
      checkPreconditions(s, cur.obj, opts.preconditions)
      if (!admitted) {
        const req = {
          operation: "DELETE",
          info: s.info,
          namespace: ref.namespace,
          name: ref.name,
          subresource: "",
          old: cur.obj,
          user: opts.user,
          dryRun: !!opts.dryRun,
          origin: opts.origin,
          notes: opts.notes,
        } as const
        await admission.mutate(req)
        await admission.validate(req)
        admitted = true
      }
      const done = await deleteFrom(reg, s, key, cur, opts, held, writing)
      if (done) return done
    } catch (err) {
      if (isRace(err)) continue
      // From the cache's object the error may be a stale object's (a precondition, admission): it
      // stands when the store still holds that object, else the next attempt reads the store's.
      if (writing.started || (await held())) throw err
    }
  }
  throw new ApiError(
    "Conflict",
    `Cannot delete ${s.info.resource} "${ref.name}": too many concurrent updates`,
  )
}

/**
 * One attempt of deleteObject from `cur`, checked and admitted: undefined when the store no
 * longer holds `cur` (`held`). `writing.started` is set once the store is written to.
 */
async function deleteFrom(
  reg: DeleteHost,
  s: Served,
  key: string,
  cur: Current,
  opts: DeleteOptions,
  held: () => Promise<boolean>,
  writing: { started: boolean },
): Promise<DeleteResult | undefined> {
  const { store, clock } = reg.deps
  const obj = cur.obj
  const staged = isStaged(s, obj, opts)
  if (opts.dryRun) return { object: reg.toServed(s, obj), finished: !staged }
  let entry: StoredValue = cur
  // The object the store holds (encoded as entry.value) when the delete happens.
  let last: Obj = obj
  let lastMarked: MarkedValue | undefined
  if (staged) {
    // The copy to edit: terminating() only sets metadata fields and replaces status.
    const next = shallowCopy(obj)
    const { changed, removeNow } = terminating(s, obj, next, opts, clock.now())
    if (!changed && !removeNow) {
      return (await held()) ? { object: reg.toServed(s, obj), finished: false } : undefined
    }
    if (changed) {
      // A custom resource's new metadata fields go in their sorted places (see customStoredForm),
      // and its JSON is its own (the marked value's resourceVersion would come last).
      if (s.info.custom) next.metadata = withSortedKeys(next.metadata)
      const marked = s.info.custom ? undefined : encodeMarkedRewrite(next, { obj, value: cur.value })
      const value = marked?.value ?? encode(next)
      // The watch cache takes `next` for the event (it stays as written): no parse back.
      reg.deps.written?.(key, value, next)
      writing.started = true
      entry = await store.update(key, value, cur.revision)
      if (marked) rememberWritten(next, marked)
      stampRevision(next, entry.revision)
      if (marked) setJson(next, marked, entry.revision)
      if (!removeNow) return { object: reg.toServed(s, next), finished: false }
      last = next
      lastMarked = marked
    }
  }
  // The DELETED event carries the last value at the delete's revision: a copy of `last` (the
  // MODIFIED event before it may hold `last` itself), not parsed back.
  const gone = shallowCopy(last)
  reg.deps.written?.(key, entry.value, gone, true)
  writing.started = true
  const e = await store.delete(key, entry.revision)
  await reg.deps.released?.(s, obj, undefined)
  stampRevision(gone, e.revision)
  // Its JSON (the event's and the response's) is the value deleted, with the delete's revision.
  if (lastMarked) setJson(gone, lastMarked, e.revision)
  return { object: reg.toServed(s, gone), finished: true }
}

/**
 * Field ownership on every write (upstream's FieldManager): an update hands the fields it
 * added or changed to its manager (operation Update) and takes them from the others; an apply
 * merges the configuration into the live object, owns exactly the configuration's fields
 * (operation Apply), removes the fields it applied before and nobody owns now, and refuses to
 * change fields other managers own unless forced (409 with FieldManagerConflict causes).
 */
import { type ApiObject, badRequest, unknownReason } from "../../api/index.ts"
import { jsonEqual } from "../../util/index.ts"
import { type Shape } from "../shapes.ts"
import { FieldSet, fieldPE } from "./field-set.ts"
import {
  type ManagerEntry,
  type Managers,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  managerId,
  withSet,
} from "./managed-fields.ts"
import { merge, removeItems } from "./merge.ts"
import { SERVER_METADATA_FIELDS, createdFieldsV1 } from "./created-fields.ts"
import { conflictError } from "./conflicts.ts"
import { allowedByLastApplied, updateLastApplied } from "./last-applied.ts"
import {
  type Comparison,
  type Obj,
  comparable,
  compare,
  configError,
  isObj,
  toFieldSet,
  withNamedFields,
} from "./typed.ts"

/** What the field manager knows about a write. */
export interface WriteContext {
  /** The shape of the kind (a custom resource's from its CRD's schema, UNKNOWN_OBJECT without one). */
  readonly shape: Shape
  readonly apiVersion: string
  readonly kind: string
  /**
   * "" for the main resource, else the subresource written ("status", "scale",
   * "ephemeralcontainers", "resize"): named in the write's managedFields entry. A status write
   * owns status alone; a Pod's ephemeralcontainers write, spec.ephemeralContainers alone.
   */
  readonly subresource: string
  /** True when status is written through its own subresource (the main resource ignores it). */
  readonly hasStatus: boolean
  /** The time of the write, RFC 3339. */
  readonly now: string
  /**
   * A custom resource: its objects are compared as they are written, so a struct that appears is
   * a member, where built-in kinds are compared as Go values (whose zero value has most structs).
   */
  readonly custom?: boolean
}

/** The server's own metadata, never owned by anyone. */
export const STRIPPED = new FieldSet()
  .insert([fieldPE("apiVersion")])
  .insert([fieldPE("kind")])
  .insert([fieldPE("metadata")])
for (const f of SERVER_METADATA_FIELDS) {
  STRIPPED.insert([fieldPE("metadata"), fieldPE(f)])
}

/** The part of a set a write may own: status only through its subresource. */
function tracked(set: FieldSet, ctx: WriteContext): FieldSet {
  const status = fieldPE("status")
  if (ctx.subresource === "status") {
    const out = new FieldSet()
    const s = set.children.get(status)
    if (s) out.children.set(status, s)
    return out
  }
  if (!ctx.hasStatus || !set.children.has(status)) return set
  const out = new FieldSet()
  for (const [pe, c] of set.children) if (pe !== status) out.children.set(pe, c)
  return out
}

function filtered(c: Comparison, ctx: WriteContext): Comparison {
  return {
    added: tracked(c.added, ctx),
    modified: tracked(c.modified, ctx),
    removed: tracked(c.removed, ctx),
  }
}

/**
 * The part of an object a write's ownership can change: only status through /status, no status
 * otherwise; less where the kind's strategy resets the rest of what is written (upstream's reset
 * fields filters, which its field manager leaves out): a pod's ephemeral containers write changes
 * spec.ephemeralContainers alone, a CertificateSigningRequest's main-resource write neither its
 * spec nor its status.
 */
function trackedPart(obj: ApiObject | undefined, ctx: WriteContext): Obj {
  if (!obj) return {}
  if (ctx.subresource === "status") return { status: (obj as Obj).status }
  if (ctx.subresource === "ephemeralcontainers" && ctx.kind === "Pod" && !ctx.custom) {
    const spec = (obj as Obj).spec as Obj | undefined
    return { spec: { ephemeralContainers: spec?.ephemeralContainers } }
  }
  const out = comparable(obj)
  if (ctx.hasStatus) delete out.status
  if (ctx.subresource === "" && ctx.apiVersion.startsWith(CSR_GROUP) && ctx.kind === CSR && !ctx.custom) {
    delete out.spec
  }
  return out
}

const CSR_GROUP = "certificates.k8s.io/"
const CSR = "CertificateSigningRequest"

/** The managers of `obj`; `stored` when it is the live object (see decodeManagedFields). */
function managersOf(obj: ApiObject | undefined, stored = false): Managers {
  try {
    return decodeManagedFields(obj?.metadata?.managedFields, stored)
  } catch {
    return new Map()
  }
}

function setManagedFields(obj: ApiObject, managers: Managers): void {
  const meta = (obj.metadata ??= {})
  const encoded = encodeManagedFields(managers)
  if (encoded) meta.managedFields = encoded as never
  else delete meta.managedFields
}

/**
 * Takes the changed fields (`changed`: c.modified ∪ c.added) from every manager but `self`;
 * returns each one's conflicts.
 */
function takeFromOthers(
  managers: Managers,
  self: string,
  c: Comparison,
  changed = c.modified.union(c.added),
): Map<string, FieldSet> {
  const conflicts = new Map<string, FieldSet>()
  for (const [id, e] of managers) {
    if (id === self) continue
    const conflict = e.set.intersection(changed)
    if (!conflict.isEmpty()) conflicts.set(id, conflict)
    // A manager losing nothing keeps its set (and so its stored FieldsV1).
    if (!conflict.isEmpty() || !c.removed.isEmpty()) e.set = e.set.difference(conflict).difference(c.removed)
    if (e.set.isEmpty()) managers.delete(id)
  }
  return conflicts
}

/**
 * What a manager owning `prev` owns after its update `c` (`changed`: c.modified ∪ c.added):
 * prev − removed ∪ changed − the server's metadata, leaving out the steps that remove nothing
 * (each copies the set's top).
 */
export function ownedAfterUpdate(prev: FieldSet, c: Comparison, changed: FieldSet): FieldSet {
  let set = c.removed.isEmpty() ? prev : prev.difference(c.removed)
  set = set.union(changed)
  return set.intersects(STRIPPED) ? set.difference(STRIPPED) : set
}

/** The managers after `self` updated `live` into `next` (upstream's Updater.Update). */
function updateManagers(managers: Managers, entry: Omit<ManagerEntry, "set">, c: Comparison): void {
  const id = managerId(entry)
  const changed = c.modified.union(c.added)
  takeFromOthers(managers, id, c, changed)
  const prev = managers.get(id)?.set ?? new FieldSet()
  let set = ownedAfterUpdate(prev, c, changed)
  // The manager's set as it was (and so its stored FieldsV1) when the update left it the same.
  if (set.equals(prev)) set = prev
  if (set.isEmpty()) managers.delete(id)
  else managers.set(id, withSet(entry, set))
}

/**
 * Records an update (create, PUT or non-apply patch) by `manager` in `next`'s managedFields.
 * managedFields the client wrote into `next` replace the live ones (an empty list clears them);
 * an existing object that has none stays without. A write that changes nothing keeps the old
 * timestamps. Mutates `next`.
 */
export function recordUpdate(
  live: ApiObject | undefined,
  next: ApiObject,
  manager: string,
  ctx: WriteContext,
): void {
  if (!live && ctx.subresource === "" && next.metadata && next.metadata.managedFields === undefined) {
    recordCreate(next, manager, ctx)
    return
  }
  const managers = baseManagers(live, next, ctx)
  if (managers.size === 0 && live) {
    // Objects without managedFields are not tracked by updates (as upstream).
    if (next.metadata) delete next.metadata.managedFields
    return
  }
  const c = filtered(compare(trackedPart(live, ctx), trackedPart(next, ctx), ctx.shape, !!ctx.custom), ctx)
  const entry: Omit<ManagerEntry, "set"> = {
    manager: manager || "unknown",
    operation: "Update",
    apiVersion: ctx.apiVersion,
    time: ctx.now,
  }
  if (ctx.subresource) (entry as { subresource?: string }).subresource = ctx.subresource
  updateManagers(managers, entry, c)
  capUpdateManagers(managers)
  setManagedFields(next, managers)
  if (c.added.isEmpty() && c.modified.isEmpty() && c.removed.isEmpty()) keepTimestampsOfNoop(live, next)
}

/**
 * recordUpdate of a create without managedFields: the one entry is the creator's, owning what
 * the object sets (built in one walk rather than by comparing with nothing).
 */
function recordCreate(next: ApiObject, manager: string, ctx: WriteContext): void {
  const meta = next.metadata as NonNullable<ApiObject["metadata"]>
  const fieldsV1 = createdFieldsV1(next as Obj, ctx)
  if (!fieldsV1) {
    delete meta.managedFields
    return
  }
  meta.managedFields = [
    {
      manager: manager || "unknown",
      operation: "Update",
      apiVersion: ctx.apiVersion,
      time: ctx.now,
      fieldsType: "FieldsV1",
      fieldsV1,
    },
  ]
}

/** The managers an update starts from: the client's managedFields if it wrote valid ones, else the live ones. */
function baseManagers(live: ApiObject | undefined, next: ApiObject, ctx: WriteContext): Managers {
  if (ctx.subresource !== "") return managersOf(live, true)
  const given = next.metadata?.managedFields as unknown[] | undefined
  // An empty list (or one empty entry) resets them.
  if (
    Array.isArray(given) &&
    (given.length === 0 || (given.length === 1 && JSON.stringify(given[0]) === "{}"))
  ) {
    return new Map()
  }
  const managers = managersOf(next)
  return managers.size ? managers : managersOf(live, true)
}

/**
 * A write that changes nothing but managedFields times keeps the live managedFields. Compared
 * whatever the order of keys (a custom resource is stored with sorted keys, the entries this
 * manager writes have their own order) and of entries (an update may move its entry last).
 */
function keepTimestampsOfNoop(live: ApiObject | undefined, next: ApiObject): void {
  if (!live || !next.metadata || !jsonEqual(comparable(live), comparable(next))) return
  const untimed = (o: ApiObject) =>
    ((o.metadata?.managedFields ?? []) as { time?: string }[]).map(({ time: _t, ...e }) => e)
  const unmatched = untimed(next)
  for (const e of untimed(live)) {
    const i = unmatched.findIndex((n) => jsonEqual(n, e))
    if (i < 0) return
    unmatched.splice(i, 1)
  }
  if (unmatched.length) return
  if (live.metadata?.managedFields) next.metadata.managedFields = live.metadata.managedFields
  else delete next.metadata.managedFields
}

/** Go's name of the JSON kind of a value that is not an object, as encoding/json reports it. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array"
  return typeof v === "boolean" ? "bool" : typeof v
}

function checkConfig(raw: unknown, ctx: WriteContext): Obj {
  // null decodes to an empty object, as into upstream's map.
  const config = raw ?? {}
  if (!isObj(config)) {
    throw badRequest(
      `error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(config)} into Go value of type map[string]interface {}`,
    )
  }
  const [group, version] = ctx.apiVersion.includes("/") ? ctx.apiVersion.split("/") : ["", ctx.apiVersion]
  if (config.kind !== ctx.kind || config.apiVersion !== ctx.apiVersion) {
    const gv = String(config.apiVersion ?? "")
    const [g, v] = gv.includes("/") ? gv.split("/") : ["", gv]
    if (config.kind !== ctx.kind || g !== group) {
      throw badRequest(`invalid object type: ${g}/${v}, Kind=${String(config.kind ?? "")}`)
    }
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${gv}, expected: ${group ? `${group}/` : ""}${version}`,
    )
  }
  if (isObj(config.metadata) && config.metadata.managedFields !== undefined) {
    throw badRequest("metadata.managedFields must be nil")
  }
  const err = configError(config, ctx.shape)
  if (err) {
    const meta = (isObj(config.metadata) ? config.metadata : {}) as Obj
    const nn = `${String(meta.namespace ?? "")}/${String(meta.name ?? "")}`
    // Upstream returns this as a plain error: 500 without a reason (kubernetes/kubernetes#139253).
    throw unknownReason(
      `failed to create typed patch object (${nn}; ${group}/${version}, Kind=${ctx.kind}): ${err}`,
    )
  }
  return config
}

/** Options of an apply. */
export interface ApplyOptions {
  readonly manager: string
  readonly force: boolean
}

/**
 * The object `live` becomes when `manager` applies `config` (undefined live: the object is
 * created), with its managedFields. @throws ApiError BadRequest for a malformed configuration,
 * Conflict when it changes fields other managers own and force is off
 */
export function applyConfig(
  live: ApiObject | undefined,
  config: unknown,
  opts: ApplyOptions,
  ctx: WriteContext,
): ApiObject {
  const cfg = checkConfig(config, ctx)
  let managers: Managers
  try {
    managers = decodeManagedFields(live?.metadata?.managedFields)
  } catch (err) {
    throw unknownReason(`failed to decode managed fields: ${(err as Error).message}`)
  }
  const base = live ? comparable(live) : { apiVersion: ctx.apiVersion, kind: ctx.kind, metadata: {} }
  if (live && managers.size === 0) {
    // Fields set before the first apply belong to "before-first-apply".
    const c = filtered(compare({}, base, ctx.shape, !!ctx.custom), ctx)
    updateManagers(
      managers,
      { manager: "before-first-apply", operation: "Update", apiVersion: ctx.apiVersion },
      c,
    )
  }
  const entry = {
    manager: opts.manager,
    operation: "Apply" as const,
    apiVersion: ctx.apiVersion,
    ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
  }
  const id = managerId(entry)
  const last = managers.get(id)
  managers.set(id, {
    ...entry,
    ...(last?.time ? { time: last.time } : {}),
    set: tracked(toFieldSet(cfg, ctx.shape).difference(STRIPPED), ctx),
  })
  let merged = merge(base, cfg, ctx.shape) as Obj
  if (last && !last.set.isEmpty()) merged = prune(merged, last.set, managers, ctx.shape)
  const c = filtered(compare(base, merged, ctx.shape), ctx)
  const conflicts = takeFromOthers(new Map([...managers].map(([k, e]) => [k, { ...e }])), id, c)
  if (
    conflicts.size &&
    !opts.force &&
    !(opts.manager === "kubectl" && allowedByLastApplied(live, conflicts, ctx))
  ) {
    throw conflictError(conflicts, managers)
  }
  takeFromOthers(managers, id, c)
  const changed = JSON.stringify(base) !== JSON.stringify(merged)
  const mine = managers.get(id) as ManagerEntry
  if (changed || !mine.time) mine.time = ctx.now
  if (opts.manager === "kubectl") updateLastApplied(merged, cfg)
  const out = merged as ApiObject
  setManagedFields(out, managers)
  return out
}

/** Removes what the applier applied last time, no longer applies, and nobody else owns. */
function prune(merged: Obj, last: FieldSet, managers: Managers, shape: Shape): Obj {
  let owned = new FieldSet()
  for (const e of managers.values()) owned = owned.union(withNamedFields(e.set, shape))
  const gone = withNamedFields(last, shape).difference(owned)
  if (gone.isEmpty()) return merged
  return (removeItems(merged, gone, shape) ?? {}) as Obj
}

/** What the generic registry operations share: the store, the checks, time, and the codec. */
import { randomUUID } from "node:crypto"
import type { ApiObject, FieldError, ResourceInfo } from "../../api/index.ts"
import type { Store } from "../../storage/index.ts"
import type { Clock } from "../../util/index.ts"
import type { UserInfo } from "../http.ts"
import { knownJson } from "../known-json.ts"
import type { Shape } from "../shapes.ts"
import { knownObjectJson } from "../output.ts"
import { PackedObject } from "../cache-objects.ts"
import { hasSortedKeys, setInOrder } from "./custom-key-order.ts"

/** A request's view of one resource: what it is, where it is stored, the version it is served at. */
export interface Served {
  readonly info: ResourceInfo
  /** Storage prefix, e.g. "/registry/pods/" or "/registry/apps/deployments/". */
  readonly prefix: string
  /** The version objects are stored at (differs from info.version for multi-version kinds). */
  readonly storageVersion: string
  /** The group objects are stored in (differs from info.group for events.k8s.io Events). */
  readonly storageGroup: string
}

/** True when the served form of `s` is not its stored form. */
export function needsConversion(s: Served): boolean {
  return s.storageVersion !== s.info.version || s.storageGroup !== s.info.group
}

/** The admission attributes a plugin sees (upstream's admission.Attributes). */
export interface AdmissionRequest {
  readonly operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT"
  readonly info: ResourceInfo
  readonly namespace: string
  readonly name: string
  readonly subresource: string
  /** The object being written (mutating plugins may change it). */
  readonly object?: ApiObject
  readonly old?: ApiObject
  readonly user?: UserInfo
  readonly dryRun: boolean
  /** Where a plugin leaves warnings and audit annotations (absent: they are dropped). */
  readonly notes?: AdmissionNotes
  /** The API request the write came from (absent for the server's own writes). */
  readonly origin?: AdmissionOrigin
  /**
   * Set to "requested" by a mutating plugin whose change calls for the mutating plugins to run
   * once more (upstream's reinvocation); the chain sets "running" for that second round.
   */
  reinvocation?: "requested" | "running"
}

/**
 * A check a resource's storage makes of a write once mutating admission ran, before the store's
 * create or update (upstream's storage wrappers: RBAC's escalation check): before a generated
 * name, the strategy, validation and validating admission. `requestName`: the name on the
 * request's URL, "" for a POST, as upstream's request info has it. A promise only for a write it
 * has to look into: the registry waits for none on other writes.
 * @throws ApiError to refuse the write
 */
export type WriteGuard = (req: AdmissionRequest, requestName: string) => Promise<void> | undefined

/** What admission may ask of the API request a write came from, beyond its attributes. */
export interface AdmissionOrigin {
  /**
   * The operation's options as upstream hands them to admission: CreateOptions, UpdateOptions
   * or DeleteOptions (meta.k8s.io/v1) as the request gave them.
   */
  options(operation: AdmissionRequest["operation"]): Readonly<Record<string, unknown>> | undefined
}

/**
 * What admission says beside its decision (upstream's warning recorder and audit annotations):
 * warnings go back to the client as Warning headers; k8ts keeps no audit log, so annotations
 * stay with the request.
 */
export interface AdmissionNotes {
  /** Adds a warning for the client (the same text once). */
  warn(text: string): void
  /** Sets an audit annotation of the request (a key already set keeps its value). */
  annotate(key: string, value: string): void
}

/**
 * Admission in upstream's two phases; each throws an ApiError to refuse. A create is mutated as
 * its client wrote it, before the registry names it (a generateName object has no name yet),
 * gives it its uid and creationTimestamp and prepares it, and validated once it passed
 * validation, just before it is written; an update likewise, mutated as written before its
 * strategy prepares it.
 */
export interface Admission {
  mutate(req: AdmissionRequest): Promise<void>
  validate(req: AdmissionRequest): Promise<void>
}

/** Everything the registry needs from outside. */
export interface RegistryDeps {
  readonly store: Store
  readonly clock: Clock
  readonly admission: Admission
  /** Fills upstream's defaults (mutates the object). */
  readonly defaults: (info: ResourceInfo, obj: ApiObject) => void
  /** Field errors of an object (old given on update, and the subresource written). */
  readonly validate: (
    info: ResourceInfo,
    obj: ApiObject,
    old?: ApiObject,
    subresource?: string,
  ) => FieldError[]
  /**
   * Told each value about to be written and the object it encodes (at the storage version), so
   * the watch cache can take the object instead of parsing the value back. The object must not
   * be changed afterwards but for its resourceVersion, set to the write's by stampRevision (the
   * cache may have set it already and handed the object, frozen, to watchers). `deleted`: the value
   * is the last one of a key about to be deleted (its DELETED event's object).
   */
  readonly written?: (key: string, value: string, obj: ApiObject, deleted?: boolean) => void
  /**
   * Reserves what an object needs from a shared pool before it is written (a Service's ClusterIP
   * and NodePorts), filling it in; returns a promise of how to give it back if the write does not
   * happen, or undefined at once for an object that needs nothing.
   */
  readonly allocate?: (
    s: Served,
    obj: ApiObject,
    old: ApiObject | undefined,
    dryRun: boolean,
  ) => Promise<(() => Promise<void>) | undefined> | undefined
  /** Told after a write what `prev` held that `next` (undefined once deleted) may no longer need. */
  readonly released?: (s: Served, prev: ApiObject, next: ApiObject | undefined) => Promise<void>
  /**
   * The object the watch cache holds at `key`, if any: shared with every reader, so never to be
   * changed. An update or delete takes it as the current object when it is at the revision the
   * store holds, instead of parsing the stored value; a read, also when the cache keeps it as
   * its JSON (packed).
   */
  readonly cached?: (s: Served, key: string) => ApiObject | PackedObject | undefined
  /** Converts between the served and the stored version (identity for most kinds). */
  readonly convert: (obj: ApiObject, info: ResourceInfo, toVersion: string) => ApiObject
  /**
   * The shape server-side apply and managedFields see a custom resource's objects in (from its
   * CRD version's schema); undefined for a version without schema.
   */
  readonly customShape?: (info: ResourceInfo) => Shape | undefined
  /** The storage's check of an admitted create or update (see WriteGuard). */
  readonly guard?: WriteGuard
}

/**
 * The watch cache's object at `key` when it is at `revision` and stored as served (never to be
 * changed: it is every reader's), else undefined.
 */
export function cachedAt(
  deps: RegistryDeps,
  s: Served,
  key: string,
  revision: number,
): ApiObject | undefined {
  const kept = keptAt(deps, s, key, revision)
  return kept instanceof PackedObject ? kept.unpack() : kept
}

/** cachedAt, the object as the cache keeps it: when packed, its JSON (not parsed). */
export function keptAt(
  deps: RegistryDeps,
  s: Served,
  key: string,
  revision: number,
): ApiObject | PackedObject | undefined {
  if (needsConversion(s) || s.info.custom) return undefined
  const kept = deps.cached?.(s, key)
  if (kept instanceof PackedObject) return kept.revision === revision ? kept : undefined
  return kept?.metadata?.resourceVersion === String(revision) ? kept : undefined
}

/** A stored value and its revision: what a read of the store gives an update or a delete. */
export interface StoredValue {
  readonly value: string
  readonly revision: number
}

/**
 * The entry the store holds at `key`, with the watch cache's object when it is at that revision
 * (shared: only copies of it may be changed): what an update or a delete starts from once it
 * reads the store.
 */
export async function readStored(
  deps: RegistryDeps,
  s: Served,
  key: string,
): Promise<(StoredValue & { readonly obj?: ApiObject }) | undefined> {
  const e = await deps.store.get(key)
  if (!e) return undefined
  const obj = cachedAt(deps, s, key, e.revision)
  return obj ? { value: e.value, revision: e.revision, obj } : { value: e.value, revision: e.revision }
}

/** The revision the store holds at `key` (undefined when it holds nothing). */
export async function storedRevision(deps: RegistryDeps, key: string): Promise<number | undefined> {
  return (await deps.store.get(key))?.revision
}

/**
 * The watch cache's object at `key` with the value the store held for it at its revision, known
 * without reading the store: this server wrote the object (see rememberWritten), it is stored as
 * served, and its JSON is known (the stored value is that JSON without its resourceVersion).
 * The cache may lag the store: a write starting from it must be a compare-and-swap on its
 * revision, and an answer resting on it alone (a conflict, a no-op) must be checked against the
 * store first, as upstream's cacher hands its object to etcd3's GuaranteedUpdate.
 */
export function cachedEntry(
  deps: RegistryDeps,
  s: Served,
  key: string,
): (StoredValue & { readonly obj: ApiObject }) | undefined {
  if (needsConversion(s) || s.info.custom) return undefined
  // A packed object parsed again has no layout: the store's value is read instead.
  const kept = deps.cached?.(s, key)
  const obj = kept instanceof PackedObject ? undefined : kept
  const layout = obj && layouts.get(obj)
  const rv = obj?.metadata?.resourceVersion
  if (!layout || layout.metaEnd < 0 || rv === undefined) return undefined
  const revision = Number(rv)
  if (!Number.isSafeInteger(revision) || String(revision) !== rv) return undefined
  const known = knownObjectJson(obj)
  if (known === undefined) return undefined
  const json = typeof known === "string" ? known : known.toString("utf8")
  const member = resourceVersionMember(json, layout.metaEnd, rv)
  const end = layout.metaEnd + member.length
  if (!json.startsWith(member, layout.metaEnd) || json.charCodeAt(end) !== 125) return undefined
  const value = json.slice(0, layout.metaEnd) + json.slice(end)
  return { obj, value, revision }
}

/** The store key of an object. */
export function keyFor(s: Served, namespace: string, name: string): string {
  return s.info.namespaced ? `${s.prefix}${namespace}/${name}` : `${s.prefix}${name}`
}

/** Serializes an object for the store: its resourceVersion lives in the store's revision. */
export function encode(obj: ApiObject): string {
  const meta = obj.metadata
  if (meta?.resourceVersion === undefined) return JSON.stringify(obj)
  const { resourceVersion: _rv, ...rest } = meta
  return JSON.stringify({ ...obj, metadata: rest })
}

/** A stored value, and where in it the value's metadata object ends. */
export interface MarkedValue {
  readonly value: string
  /** The index of the closing brace of the top-level metadata object; -1 without one. */
  readonly metaEnd: number
  /** Where `value` holds the JSON of each top-level object value (see Spans). */
  readonly spans?: Spans
}

/**
 * Where a stored value holds JSON the next write may copy, flat: the start and end of
 * metadata.managedFields (-1, -1 without), then key, start, end of each top-level object value.
 */
type Spans = readonly (string | number)[]

/** The object last written at a key and its stored value, whose kept values' JSON a write copies. */
export interface Previous {
  readonly obj: ApiObject
  readonly value: string
}

/**
 * The spans of the stored value of each object written: once written an object is the watch
 * cache's and never changed (RegistryDeps.written), and the next write of it keeps most of its
 * values (a status write its spec, a delete its spec, status and managedFields), whose JSON is
 * then sliced out of the stored value rather than serialised again.
 */
const layouts = new WeakMap<object, Layout>()

/** Where a written object's stored value ends its metadata and holds each of its values. */
interface Layout {
  readonly metaEnd: number
  readonly spans: Spans
}

/**
 * Records where `m` (the value `obj` was written as) ends its metadata and holds each of `obj`'s
 * values, for its next write.
 */
export function rememberWritten(obj: ApiObject, m: MarkedValue): void {
  if (m.spans) layouts.set(obj, { metaEnd: m.metaEnd, spans: m.spans })
}

/** Where the stored value of `obj`, written by this server, holds each of its values. */
function spansOf(obj: ApiObject): Spans | undefined {
  return layouts.get(obj)?.spans
}

/** The JSON of top-level `key` the previous write kept as it was, sliced from its stored value. */
function keptJson(prev: Previous | undefined, spans: Spans | undefined, key: string): string | undefined {
  if (!prev || !spans) return undefined
  for (let i = 2; i < spans.length; i += 3) {
    if (spans[i] === key) return prev.value.slice(spans[i + 1] as number, spans[i + 2] as number)
  }
  return undefined
}

/** The JSON of the previous write's managedFields, sliced from its stored value. */
function keptManagedFields(prev: Previous | undefined, spans: Spans | undefined): string | undefined {
  if (!prev || !spans || (spans[0] as number) < 0) return undefined
  return prev.value.slice(spans[0] as number, spans[1] as number)
}

/**
 * encode for an object without resourceVersion, also telling where its metadata ends, so the
 * JSON with the resourceVersion the write gets can be made from the value instead of encoding
 * the object again (see withResourceVersion). `prev`: the object stored before, whose values
 * `obj` kept (the same objects) are copied from its value.
 */
export function encodeMarked(obj: ApiObject, prev?: Previous): MarkedValue {
  const o = obj as unknown as Record<string, unknown>
  const was = prev?.obj as unknown as Record<string, unknown> | undefined
  const prevSpans = prev && spansOf(prev.obj)
  let value = "{"
  let metaEnd = -1
  const spans: (string | number)[] = [-1, -1]
  for (const k of Object.keys(o)) {
    const v = o[k]
    const object = typeof v === "object" && v !== null
    let json: string | undefined
    let managed: readonly [number, number] | undefined
    let close = -1
    if (k === "metadata") {
      const m = metadataJson(v, was?.[k], keptManagedFields(prev, prevSpans))
      json = m.json
      managed = m.managed
      close = m.close
    } else json = (object && v === was?.[k] && keptJson(prev, prevSpans, k)) || JSON.stringify(v)
    if (json === undefined) continue // as JSON.stringify skips undefined values
    if (value.length > 1) value += ","
    value += memberPrefix(k)
    const start = value.length
    if (close >= 0) metaEnd = start + close
    if (managed) {
      spans[0] = start + managed[0]
      spans[1] = start + managed[1]
    } else if (object && k !== "metadata") spans.push(k, start, start + json.length)
    value += json
  }
  return { value: `${value}}`, metaEnd, spans }
}

/**
 * `"key":` of each key the encoders below write, by key: JSON.stringify of a key per member of
 * every write (two dozen for a pod) cost more than a lookup. Keys are field names, few but for
 * client input, so the table stops growing at MEMBER_PREFIXES_MAX.
 */
const memberPrefixes = new Map<string, string>()
const MEMBER_PREFIXES_MAX = 4096

/** `"key":`, as JSON.stringify writes the member named `key`. */
function memberPrefix(key: string): string {
  let p = memberPrefixes.get(key)
  if (p === undefined) {
    p = `${JSON.stringify(key)}:`
    if (memberPrefixes.size < MEMBER_PREFIXES_MAX) memberPrefixes.set(key, p)
  }
  return p
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as { toJSON?: unknown }).toJSON !== "function"
  )
}

/** Whether some managedFields entry has a FieldsV1 whose text is known. */
function hasKnownFields(managed: unknown): managed is unknown[] {
  if (!Array.isArray(managed)) return false
  for (const e of managed) if (isPlainObject(e) && knownJson(e.fieldsV1) !== undefined) return true
  return false
}

/** JSON.stringify of an object whose values' JSON is `json` of them (skipping undefined as it does). */
function objectJson(o: Record<string, unknown>, json: (k: string, v: unknown) => string | undefined): string {
  let out = "{"
  for (const k of Object.keys(o)) {
    const v = json(k, o[k])
    if (v === undefined) continue
    if (out.length > 1) out += ","
    out += memberPrefix(k) + v
  }
  return `${out}}`
}

function entryValueJson(k: string, v: unknown): string | undefined {
  return (k === "fieldsV1" ? knownJson(v) : undefined) ?? JSON.stringify(v)
}

/** JSON.stringify of managedFields, copying the known text of their FieldsV1 (a create's). */
function managedFieldsJson(v: unknown[]): string {
  if (!hasKnownFields(v)) return JSON.stringify(v)
  let out = "["
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i]
    if (i > 0) out += ","
    out += (isPlainObject(e) ? objectJson(e, entryValueJson) : JSON.stringify(e)) ?? "null"
  }
  return `${out}]`
}

/**
 * JSON.stringify of an object's metadata, where in it its managedFields are (their JSON is `kept`
 * when they are the previous object's, `was`, else managedFieldsJson), and the index of its
 * closing brace (-1 when it is not an object's): known as the text is made, since reading a
 * character of a text made of parts copies it whole into a flat string first.
 */
function metadataJson(
  meta: unknown,
  was: unknown,
  kept: string | undefined,
): { json: string | undefined; managed?: readonly [number, number]; close: number } {
  if (!isPlainObject(meta) || !Array.isArray(meta.managedFields)) {
    const json = JSON.stringify(meta)
    return { json, close: json?.charCodeAt(0) === 123 ? json.length - 1 : -1 }
  }
  const list = meta.managedFields
  const same = kept !== undefined && isPlainObject(was) && was.managedFields === list
  let out = "{"
  let managed: [number, number] | undefined
  for (const k of Object.keys(meta)) {
    const v = meta[k]
    const json = k === "managedFields" ? (same ? kept : managedFieldsJson(list)) : JSON.stringify(v)
    if (json === undefined) continue
    if (out.length > 1) out += ","
    out += memberPrefix(k)
    if (k === "managedFields") managed = [out.length, out.length + json.length]
    out += json
  }
  return { json: `${out}}`, ...(managed ? { managed } : {}), close: out.length }
}

/**
 * encodeMarked for an object read back and changed (it has a resourceVersion): the value is
 * encode's, and the resourceVersion key moves last in metadata, where withResourceVersion puts
 * it, so the object's JSON once the write's resourceVersion is set is withResourceVersion's.
 */
export function encodeMarkedRewrite(obj: ApiObject, prev?: Previous): MarkedValue {
  const meta = obj.metadata
  const rv = meta?.resourceVersion
  if (rv === undefined) return encodeMarked(obj, prev)
  delete meta!.resourceVersion
  const marked = encodeMarked(obj, prev)
  meta!.resourceVersion = rv
  return marked
}

/**
 * The JSON of the object `m` encodes with `metadata.resourceVersion` set (last in metadata, where
 * setting it on the object puts it); undefined when `m` has no metadata object.
 */
export function withResourceVersion(m: MarkedValue, resourceVersion: string): string | undefined {
  const parts = resourceVersionParts(m, resourceVersion)
  return parts && parts[0] + parts[1] + parts[2]
}

/**
 * withResourceVersion's JSON in its three parts, joined by nobody: the value up to the end of its
 * metadata, the resourceVersion member, the rest of the value.
 */
export function resourceVersionParts(
  m: MarkedValue,
  resourceVersion: string,
): readonly [string, string, string] | undefined {
  if (m.metaEnd < 0) return undefined
  const rv = resourceVersionMember(m.value, m.metaEnd, resourceVersion)
  return [m.value.slice(0, m.metaEnd), rv, m.value.slice(m.metaEnd)]
}

/** The resourceVersion member inserted before index `metaEnd` of `json`, its metadata's closing brace. */
function resourceVersionMember(json: string, metaEnd: number, resourceVersion: string): string {
  const sep = json.charCodeAt(metaEnd - 1) === 123 ? "" : ","
  return `${sep}"resourceVersion":${JSON.stringify(resourceVersion)}`
}

/**
 * Sets the resourceVersion of an object announced as written (RegistryDeps.written) to its
 * write's `revision`, unless it has it already: the watch cache and the write both stamp it,
 * whichever comes first, and the cache may have handed it, frozen, to in-process watchers before
 * the write returns.
 */
export function stampRevision(obj: ApiObject, revision: number): string {
  const rv = String(revision)
  const meta = obj.metadata as NonNullable<ApiObject["metadata"]>
  if (meta.resourceVersion !== rv) meta.resourceVersion = rv
  return rv
}

/**
 * A copy of `obj` whose top level and metadata may be changed; deeper values are still shared
 * with `obj`.
 */
export function shallowCopy<T extends ApiObject>(obj: T): T {
  return { ...obj, metadata: { ...obj.metadata } }
}

/**
 * Parses a stored value and sets its resourceVersion: in its sorted place when the value's keys
 * are sorted (a custom resource's, see customStoredForm), else last.
 */
export function decode(value: string, revision: number): ApiObject {
  const obj = JSON.parse(value) as ApiObject
  const meta = obj.metadata ?? (obj.metadata = {})
  const rv = String(revision)
  if (meta.resourceVersion === undefined && hasSortedKeys(obj as Record<string, unknown>)) {
    obj.metadata = setInOrder(meta as Record<string, unknown>, "resourceVersion", rv)
  } else {
    meta.resourceVersion = rv
  }
  return obj
}

let stamped = { second: NaN, text: "" }

/** RFC 3339 with second precision, as Kubernetes timestamps are (formatted once a second). */
export function timestamp(ms: number): string {
  const second = Math.floor(ms / 1000)
  if (second !== stamped.second) {
    stamped = { second, text: new Date(second * 1000).toISOString().replace(".000Z", "Z") }
  }
  return stamped.text
}

/** A new object uid. */
export function newUid(): string {
  return randomUUID()
}

const GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789"

/** `generateName` plus five random characters, as upstream's name generator. */
export function generateName(base: string): string {
  const prefix = base.length > 58 ? base.slice(0, 58) : base
  let suffix = ""
  for (let i = 0; i < 5; i++) suffix += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)]
  return prefix + suffix
}

/** Serializing responses: objects, lists, Tables and Status, with each object's JSON cached once. */
import { ApiError, type ApiObject, type ResourceInfo, type Status, groupVersion } from "../api/index.ts"
import type { ApiResponse } from "./http.ts"
import { JSON_TYPE, type Output } from "./negotiate.ts"
import { isScalar, type Pair, stringify as toYaml } from "yaml"
import { GO_YAML_OUTPUT, goYamlKeyOrder, PrefaultedSlabs } from "../util/index.ts"

/**
 * An object's JSON: its text until something needs its bytes (a list, a watch event), then its
 * UTF-8 bytes; and the last watch event line made of them.
 */
interface Encoded {
  json: string | undefined
  bytes: Buffer | undefined
  event?: { readonly type: string; readonly bytes: Buffer }
}

const encodings = new WeakMap<object, Encoded>()

function encoded(obj: ApiObject): Encoded {
  let e = encodings.get(obj)
  if (e === undefined) {
    e = { json: JSON.stringify(obj), bytes: undefined }
    encodings.set(obj, e)
  }
  return e
}

function bytesOf(e: Encoded): Buffer {
  if (e.bytes === undefined) {
    e.bytes = Buffer.from(e.json as string)
    e.json = undefined
  }
  return e.bytes
}

/**
 * Records `json` (text or UTF-8 bytes) as the JSON of `obj` (exactly what JSON.stringify gives
 * for it), when nothing encoded it yet: a write that made its stored value sets the JSON its
 * response and its watch event use; the watch cache, the JSON an object it revives was kept as.
 */
export function setObjectJson(obj: ApiObject, json: string | Buffer): void {
  if (encodings.has(obj)) return
  encodings.set(obj, typeof json === "string" ? { json, bytes: undefined } : { json: undefined, bytes: json })
}

/**
 * The lines setObjectJsonParts makes are cut from slabs of this many bytes: a buffer of its own
 * for each would cost an allocation outside the heap each (as much CPU as the garbage collector
 * saved by not copying the JSON). A slab lives as long as one of its lines does: a few objects
 * a slab bounds what that can keep.
 */
const SLAB_BYTES = 32 * 1024
let slab: Buffer = Buffer.alloc(0)
let slabUsed = 0
/** Slabs another thread mapped: writing a create's line into a fresh one faults in ~1 page. */
const slabs = new PrefaultedSlabs(16)

/**
 * `length` bytes, from the current slab unless it is large. A new slab holds a whole number of
 * lines of this length: the lines of one kind are much alike, and a slab of SLAB_BYTES would end
 * in a gap too short for the next one (a seventh of each slab wasted for 4.7 KB pods).
 */
function lineBuffer(length: number): Buffer {
  if (length > SLAB_BYTES / 4) return Buffer.allocUnsafeSlow(length)
  const aligned = (length + 7) & ~7 // 8-byte aligned, as Buffer's own pool
  if (slabUsed + length > slab.length) {
    slab = slabs.take(SLAB_BYTES - (SLAB_BYTES % aligned))
    slabUsed = 0
  }
  const line = slab.subarray(slabUsed, slabUsed + length)
  slabUsed += aligned
  return line
}

/**
 * setObjectJson for the JSON that is the concatenation of `parts`, made straight into UTF-8 bytes
 * inside the line of the object's watch event `type` (a create's ADDED): its response, its event
 * and lists then share one buffer, and no string of the whole JSON is made (nor copied by the
 * garbage collector for as long as the watch cache keeps the object).
 */
export function setObjectJsonParts(obj: ApiObject, type: string, parts: readonly string[]): void {
  if (encodings.has(obj)) return
  const { line, start, end } = eventLine(type, parts)
  encodings.set(obj, { json: undefined, bytes: line.subarray(start, end), event: { type, bytes: line } })
}

/**
 * The watch event line `{"type":<type>,"object":<parts joined>}` and a newline, cut from a slab
 * (see lineBuffer), with where the object's JSON starts and ends in it.
 */
function eventLine(
  type: string,
  parts: readonly (string | Buffer)[],
): { line: Buffer; start: number; end: number } {
  const prefix = eventPrefix(type)
  let length = prefix.length + EVENT_SUFFIX.length
  for (const p of parts) length += typeof p === "string" ? Buffer.byteLength(p) : p.length
  const line = lineBuffer(length)
  let end = prefix.copy(line, 0)
  for (const p of parts) end += typeof p === "string" ? line.write(p, end) : p.copy(line, end)
  EVENT_SUFFIX.copy(line, end)
  return { line, start: prefix.length, end }
}

/** The JSON of `obj` (text or bytes) when something already encoded it, else undefined. */
export function knownObjectJson(obj: ApiObject): string | Buffer | undefined {
  const e = encodings.get(obj)
  return e && (e.bytes ?? e.json)
}

/**
 * The JSON of an object as UTF-8 bytes; encoded once per (immutable) cached object, so lists and
 * watches copy bytes instead of serialising and re-encoding every object for every reader.
 */
export function objectBytes(obj: ApiObject): Buffer {
  return bytesOf(encoded(obj))
}

/**
 * The JSON of an object for a response of that object alone: its text while nothing made its
 * bytes (node:http writes a short text with the response head, making no buffer), else the bytes.
 */
export function objectJson(obj: ApiObject): string | Buffer {
  const e = encoded(obj)
  return e.bytes ?? (e.json as string)
}

const EVENT_PREFIX = new Map<string, Buffer>()
const EVENT_SUFFIX = Buffer.from("}\n")

/** `{"type":<type>,"object":` as bytes. */
function eventPrefix(type: string): Buffer {
  let prefix = EVENT_PREFIX.get(type)
  if (!prefix) {
    prefix = Buffer.from(`{"type":${JSON.stringify(type)},"object":`)
    EVENT_PREFIX.set(type, prefix)
  }
  return prefix
}

/**
 * One watch event line, `{"type":…,"object":…}` and a newline, from the object's cached bytes;
 * the same buffer for every watcher of the event (in-process clients parse it once).
 */
export function watchEventBytes(type: string, obj: ApiObject): Buffer {
  const e = encoded(obj)
  if (e.event?.type === type) return e.event.bytes
  // Cut from a slab, as a create's line: Buffer's own pool would make an 8 KiB buffer outside the
  // heap for every second event of a pod.
  if (e.bytes === undefined) {
    // The object's bytes become a view into its first event line: one copy of its JSON, not two.
    const { line, start, end } = eventLine(type, [e.json as string])
    e.bytes = line.subarray(start, end)
    e.json = undefined
    e.event = { type, bytes: line }
    return line
  }
  const { line } = eventLine(type, [e.bytes])
  e.event = { type, bytes: line }
  return line
}

/** A JSON response. */
export function json(status: number, body: unknown, contentType = JSON_TYPE): ApiResponse {
  return {
    status,
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  }
}

/** Any error as an ApiError: an unexpected one becomes a 500 InternalError. */
export function apiErrorOf(err: unknown): ApiError {
  return err instanceof ApiError
    ? err
    : new ApiError(
        "InternalError",
        `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
      )
}

/** A Status response for any error (unexpected ones become 500 InternalError). */
export function errorResponse(err: unknown): ApiResponse {
  const e = apiErrorOf(err)
  const headers: Record<string, string> = { "content-type": JSON_TYPE }
  if (e.details?.retryAfterSeconds) headers["retry-after"] = String(e.details.retryAfterSeconds)
  return { status: e.code, headers, body: JSON.stringify(e.toStatus()) }
}

/** A success Status (what DELETE returns for most kinds). */
export function successStatus(info: ResourceInfo, obj: ApiObject): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      name: obj.metadata?.name ?? "",
      ...(info.group ? { group: info.group } : {}),
      kind: info.resource,
      ...(obj.metadata?.uid ? { uid: obj.metadata.uid } : {}),
    },
  } as Status
}

/** The list kind of a resource: `PodList`. */
export function listKind(info: ResourceInfo): string {
  return `${info.kind}List`
}

/** List metadata as the API returns it. */
export interface ListMetaOut {
  resourceVersion: string
  continue?: string
  remainingItemCount?: number
}

const COMMA = Buffer.from(",")
const LIST_END = Buffer.from("]}")

/**
 * The JSON of a list as pieces of bytes: its head, the cached bytes of its items, its end. A
 * custom resource's list is upstream's unstructured list, a Go map: its keys sorted, and its
 * metadata's continue written even when empty.
 */
export function listChunks(
  info: ResourceInfo,
  meta: ListMetaOut,
  items: readonly (ApiObject | Buffer)[],
): Buffer[] {
  const kind = JSON.stringify(listKind(info))
  const apiVersion = JSON.stringify(groupVersion(info))
  const parts: Buffer[] = [
    Buffer.from(
      info.custom
        ? `{"apiVersion":${apiVersion},"items":[`
        : `{"kind":${kind},"apiVersion":${apiVersion},"metadata":${JSON.stringify(meta)},"items":[`,
    ),
  ]
  for (let i = 0; i < items.length; i++) {
    if (i > 0) parts.push(COMMA)
    const item = items[i] as ApiObject | Buffer
    parts.push(Buffer.isBuffer(item) ? item : objectBytes(item))
  }
  parts.push(info.custom ? Buffer.from(`],"kind":${kind},"metadata":${customListMeta(meta)}}`) : LIST_END)
  return parts
}

/** The list metadata of a custom resource's list, as upstream's unstructured list writes it. */
function customListMeta(meta: ListMetaOut): string {
  const count = meta.remainingItemCount
  return JSON.stringify({
    continue: meta.continue ?? "",
    ...(count !== undefined ? { remainingItemCount: count } : {}),
    resourceVersion: meta.resourceVersion,
  })
}

/** PartialObjectMetadata of an object (meta.k8s.io). */
export function partialMetadata(obj: ApiObject, version = "v1"): ApiObject {
  return { kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata ?? {} }
}

export const YAML_TYPE = "application/yaml"

/**
 * YAML as upstream's serializer writes it (JSON made YAML by sigs.k8s.io/yaml over go-yaml v2):
 * every mapping's keys in go-yaml's order (runs of digits by their value: `a9` before `a10`), a
 * sequence in a mapping not indented, no long line folded, and every string go-yaml would read as
 * something else double-quoted (`"yes"`, `"0644"`, a timestamp's `"2024-01-01T00:00:00Z"`).
 * Never an anchor and alias: objects the cache shares (a FieldsV1's empty leaves) are written out
 * each time they appear, as go-yaml writes a value it marshals.
 */
function yamlOf(v: unknown): string {
  return toYaml(v, {
    ...GO_YAML_OUTPUT,
    aliasDuplicateObjects: false,
    sortMapEntries: byGoYamlKey,
    indentSeq: false,
    lineWidth: 0,
  })
}

function byGoYamlKey(a: Pair, b: Pair): number {
  return goYamlKeyOrder(keyText(a), keyText(b))
}

/** A pair's key as text: JSON's keys are strings. */
function keyText(p: Pair): string {
  return String(isScalar(p.key) ? p.key.value : p.key)
}

/** The YAML of the JSON text in `chunks` (a list's, as listChunks makes it). */
export function yamlOfJson(chunks: readonly Buffer[]): string {
  return yamlOf(JSON.parse(Buffer.concat(chunks).toString("utf8")))
}

/** Encodes a single object for the chosen output (JSON, YAML or PartialObjectMetadata). */
export function objectBody(out: Output, obj: ApiObject): { body: string | Buffer; contentType: string } {
  if (out.kind === "yaml") return { body: yamlOf(obj), contentType: YAML_TYPE }
  if (out.kind === "partial") {
    return {
      body: JSON.stringify(partialMetadata(obj, out.version)),
      contentType: `application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=${out.version}`,
    }
  }
  return { body: objectJson(obj), contentType: JSON_TYPE }
}

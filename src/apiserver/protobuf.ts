/**
 * Protobuf request bodies (`application/vnd.kubernetes.protobuf`), as client-go's typed clients
 * send them for every built-in kind: the `k8s\0` magic, a runtime.Unknown envelope naming the
 * apiVersion and kind, and the object's message. Decoded with protobufjs over k8ts's schema
 * table, then turned into the object's JSON form (Time, IntOrString, Quantity, RawExtension and
 * friends converted as upstream's JSON encoding writes them). Answers are always JSON.
 */
import protobuf from "protobufjs"
import { ApiError, type ApiObject, badRequest, schema } from "../api/index.ts"
import { omittedZero } from "./omit-zero.ts"

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]) // "k8s\0"
const UNKNOWN = "io.k8s.apimachinery.pkg.runtime.Unknown"

type Json = Record<string, unknown>

let root: protobuf.Root | undefined

/** The name a field has in protobufjs: its JSON name, unless protobufjs cannot take it (`$ref`). */
function protoName(name: string, f: schema.FieldSchema): string {
  return /^[A-Za-z_]\w*$/.test(name) ? name : `field${f.n}`
}

/** protobufjs's JSON descriptor of one message from the table. */
function descriptorOf(t: schema.TypeSchema): Json {
  const fields: Json = {}
  for (const [json, f] of Object.entries(t.f)) {
    const name = protoName(json, f)
    const type = schema.SCALAR_TYPES.has(f.t) ? f.t : `.${f.t}`
    fields[name] = {
      id: f.n,
      type,
      ...(f.map ? { keyType: f.map } : {}),
      ...(f.rep ? { rule: "repeated", options: { packed: false } } : {}),
    }
  }
  return { fields }
}

/** Builds (once) the protobufjs root of every message in the table (tests encode with it too). */
export function rootOf(): protobuf.Root {
  if (root) return root
  const nested: Json = {}
  for (const name of schema.typeNames()) {
    const parts = name.split(".")
    let ns = nested
    for (const p of parts.slice(0, -1)) {
      const next = ((ns[p] as Json | undefined) ??= { nested: {} }) as Json
      ns = next.nested as Json
    }
    ns[parts[parts.length - 1] as string] = descriptorOf(schema.typeSchema(name) as schema.TypeSchema)
  }
  root = protobuf.Root.fromJSON({ nested } as never)
  return root
}

function decodeMessage(type: string, bytes: Uint8Array): Json {
  const t = rootOf().lookupType(type)
  const msg = t.decode(bytes)
  return t.toObject(msg, { longs: Number, bytes: String, defaults: false, arrays: false }) as Json
}

function two(n: number): string {
  return String(n).padStart(2, "0")
}

/** meta/v1 Time (seconds, nanos) as RFC 3339, with `fraction` digits of the second. */
function timeOf(v: Json, fraction: number): string | null {
  const seconds = Number(v.seconds ?? 0)
  const nanos = Number(v.nanos ?? 0)
  if (seconds === 0 && nanos === 0) return null
  const d = new Date(seconds * 1000)
  const base = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  const frac = fraction ? `.${String(nanos).padStart(9, "0").slice(0, fraction)}` : ""
  return `${base}${frac}Z`
}

/** Go's time.Duration string (`1h2m3s`, `1.5s`, `0s`) from nanoseconds. */
function durationOf(nanos: number): string {
  if (nanos === 0) return "0s"
  const sign = nanos < 0 ? "-" : ""
  let n = Math.abs(nanos)
  if (n < 1e9) {
    if (n < 1e3) return `${sign}${n}ns`
    if (n < 1e6) return `${sign}${n / 1e3}µs`
    return `${sign}${n / 1e6}ms`
  }
  const h = Math.floor(n / 3.6e12)
  n -= h * 3.6e12
  const m = Math.floor(n / 6e10)
  n -= m * 6e10
  const s = n / 1e9
  return `${sign}${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`
}

function rawJson(base64: unknown): unknown {
  if (typeof base64 !== "string" || base64 === "") return undefined
  const text = Buffer.from(base64, "base64").toString("utf8")
  try {
    return JSON.parse(text)
  } catch {
    throw badRequest(`the embedded object is not JSON: ${text.slice(0, 100)}`)
  }
}

const PROPS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"

/** The types whose JSON form is not their message's. */
const SPECIAL: Readonly<Record<string, (m: Json) => unknown>> = {
  [schema.TIME]: (m) => timeOf(m, 0) ?? undefined,
  [schema.MICRO_TIME]: (m) => timeOf(m, 6) ?? undefined,
  [schema.DURATION]: (m) => durationOf(Number(m.duration ?? 0)),
  [schema.QUANTITY]: (m) => m.string ?? undefined,
  [schema.INT_OR_STRING]: (m) => (Number(m.type ?? 0) === 1 ? (m.strVal ?? "") : (m.intVal ?? 0)),
  [schema.RAW_EXTENSION]: (m) => rawJson(m.raw),
  [schema.EXTENSIONS_JSON]: (m) => rawJson(m.raw),
  [schema.SCHEMA_OR_ARRAY]: (m) =>
    m.schema ? toJson(PROPS, m.schema) : toJsonList(PROPS, m.jSONSchemas ?? m.JSONSchemas),
  [schema.SCHEMA_OR_BOOL]: (m) => (m.schema ? toJson(PROPS, m.schema) : !!m.allows),
  [schema.SCHEMA_OR_STRING_ARRAY]: (m) => (m.schema ? toJson(PROPS, m.schema) : (m.property ?? [])),
  [schema.FIELDS_V1]: (m) => rawJson(m.Raw),
}

/** Converts one decoded value of type `type` to its JSON form; undefined drops it. */
function toJson(type: string, v: unknown): unknown {
  if (schema.SCALAR_TYPES.has(type)) return type === "string" && v === "" ? undefined : v
  const m = v as Json
  const special = SPECIAL[type]
  if (special) return special(m)
  const t = schema.typeSchema(type)
  if (!t) return m
  if (t.alias) return toJsonList((t.f.items as schema.FieldSchema).t, m.items)
  return toJsonObject(type, t, m)
}

function toJsonList(type: string, v: unknown): unknown[] {
  return Array.isArray(v) ? v.map((x) => toJson(type, x) ?? (type === "string" ? "" : null)) : []
}

function toJsonObject(type: string, t: schema.TypeSchema, m: Json): Json {
  const out: Json = {}
  for (const [name, f] of Object.entries(t.f)) {
    const value = m[protoName(name, f)]
    if (value === undefined) continue
    let json: unknown
    if (f.map) {
      json = Object.fromEntries(
        Object.entries(value as Json).map(([k, x]) => [k, toJson(f.t, x) ?? (f.t === "string" ? "" : null)]),
      )
    } else if (f.rep) json = toJsonList(f.t, value)
    else json = toJson(f.t, value)
    if (json === undefined || omittedZero(type, name, json)) continue
    if (f.il && typeof json === "object" && json !== null) Object.assign(out, json)
    else out[name] = json
  }
  return out
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/")
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) }
}

/**
 * Decodes a protobuf request body into the JSON object it stands for.
 * @throws ApiError BadRequest when it is not a Kubernetes protobuf envelope, or names a kind
 * k8ts has no schema for (UnsupportedMediaType, as upstream answers for custom resources)
 */
export function decodeProtobuf(body: Buffer): ApiObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw badRequest("the protobuf body does not start with the Kubernetes magic number")
  }
  let envelope: Json
  try {
    envelope = decodeMessage(UNKNOWN, body.subarray(4))
  } catch (err) {
    throw badRequest(`the protobuf body could not be decoded: ${(err as Error).message}`)
  }
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string }
  const apiVersion = typeMeta.apiVersion ?? ""
  const kind = typeMeta.kind ?? ""
  if (envelope.contentEncoding)
    throw badRequest(`unsupported content encoding "${String(envelope.contentEncoding)}"`)
  const { group, version } = groupVersion(apiVersion)
  const type = schema.definitionOf(group, version, kind)
  if (!type) {
    throw new ApiError(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    )
  }
  let message: Json
  try {
    message = decodeMessage(type, Buffer.from(String(envelope.raw ?? ""), "base64"))
  } catch (err) {
    throw badRequest(`the protobuf body of ${kind} could not be decoded: ${(err as Error).message}`)
  }
  return { apiVersion, kind, ...(toJson(type, message) as Json) }
}

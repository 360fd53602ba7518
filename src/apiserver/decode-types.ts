/**
 * The type errors upstream's JSON decoder finds in a write body before anything else looks at it:
 * a value of the wrong JSON type for its field (`json: cannot unmarshal bool into Go struct field
 * ConfigMap.data of type string`), a quantity or time that does not parse, bytes that are not
 * base64. Upstream answers them with 400 `<Kind> in version "v1" cannot be handled as a <Kind>: ...`,
 * whatever the fieldValidation directive; k8ts reads the same facts from the schema table. The
 * times and quantities of a body that passes are then written as upstream stores them
 * (stored-forms.ts).
 */
import { literalOf, markedNumbers } from "./number-literals.ts"
import {
  badRequest,
  decodeMetaTime,
  fieldErrors,
  invalid,
  isPlainObject,
  jsonFieldsOf,
  parseQuantity,
  quantityString,
  type ResourceInfo,
  schema,
} from "../api/index.ts"
import { goValue } from "./go-format.ts"
import { normalizeStored } from "./stored-forms.ts"

/** Go's name of a scalar of the schema table. */
const GO_SCALARS: Readonly<Record<string, string>> = {
  string: "string",
  int32: "int32",
  int64: "int64",
  bool: "bool",
  bytes: "[]uint8",
  double: "float64",
  float: "float32",
  uint32: "uint32",
  uint64: "uint64",
  fixed64: "uint64",
  sint64: "int64",
}

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
}

const FORMAT_WRONG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
const QUANTITY_SHAPE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/

/** Go's type name of a message (`io.k8s.api.core.v1.Pod` → `v1.Pod`). */
function goMessage(type: string): string {
  const parts = type.split(".")
  return parts.slice(-2).join(".")
}

function goBase(type: string): string {
  return GO_SCALARS[type] ?? goMessage(type)
}

/** Go's type name of a field as declared (`[]v1.Container`, `map[string]string`). */
function goField(f: schema.FieldSchema): string {
  if (f.map) return `map[string]${goBase(f.t)}`
  if (f.rep) return `[]${goBase(f.t)}`
  return goBase(f.t)
}

/** How Go's decoder names a JSON value in its type errors. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array"
  if (literalOf(v) !== undefined) return "number"
  if (typeof v === "boolean") return "bool"
  if (typeof v === "object") return "object"
  return typeof v
}

/** A decoder error that stops decoding at once (a custom unmarshaler's), not a saved type error. */
class Abort extends Error {}

/** How the decoder takes a value of one type, worked out once per type (the schema table never changes). */
export type Plan =
  | { readonly is: "scalar" | "opaque" | "quantity" | "intOrString" | "string" | "time" | "microTime" }
  | {
      readonly is: "struct"
      readonly fields: Readonly<Record<string, schema.FieldSchema>>
      /** Go's name of the type (`v1.Pod`) and of the struct in field errors (`Pod`). */
      readonly go: string
      readonly struct: string
    }

const plans = new Map<string, Plan>()

/** The schema definition of each built-in kind's served version, looked up once per resource. */
const definitions = new WeakMap<ResourceInfo, { type: string | undefined }>()

/**
 * The schema definition a resource's bodies decode into: schema.definitionOf of its served
 * version (undefined for kinds the table does not hold, custom resources among them).
 */
export function builtinTypeOf(info: ResourceInfo): string | undefined {
  let d = definitions.get(info)
  if (!d) {
    d = { type: schema.definitionOf(info.group, info.version, info.kind) }
    definitions.set(info, d)
  }
  return d.type
}

/** How the decoder takes a value of type `t`. */
export function planOf(t: string): Plan {
  let p = plans.get(t)
  if (p === undefined) {
    p = makePlan(t)
    plans.set(t, p)
  }
  return p
}

function makePlan(t: string): Plan {
  if (t in GO_SCALARS) return { is: "scalar" }
  if (schema.FREE_FORM_TYPES.has(t)) return { is: "opaque" }
  if (t === schema.QUANTITY) return { is: "quantity" }
  if (t === schema.INT_OR_STRING) return { is: "intOrString" }
  if (t === schema.TIME) return { is: "time" }
  if (t === schema.MICRO_TIME) return { is: "microTime" }
  if (t === schema.DURATION) return { is: "string" }
  const fields = schema.typeSchema(t)?.alias ? undefined : jsonFieldsOf(t)
  if (!fields) return { is: "opaque" }
  const go = goMessage(t)
  return { is: "struct", fields, go, struct: go.split(".").pop() as string }
}

/**
 * Go's decoder over a decoded body. Where it is (for the messages) is the innermost struct,
 * passed down (undefined at the top), and the JSON field names from the root, kept in `#path`.
 */
class Decoder {
  /** The first type error, as Go's decoder saves it and goes on. */
  saved: string | undefined
  /** Whether a time or quantity was written otherwise than upstream stores it (an offset, `0.5`...). */
  toRewrite = false
  readonly #path: string[] = []

  #typeError(value: string, goType: string, struct: string | undefined): string {
    return struct !== undefined
      ? `json: cannot unmarshal ${value} into Go struct field ${struct}.${this.#path.join(".")} of type ${goType}`
      : `json: cannot unmarshal ${value} into Go value of type ${goType}`
  }

  #save(value: string, goType: string, struct: string | undefined): void {
    this.saved ??= this.#typeError(value, goType, struct)
  }

  /** A value of the declared type `f` (map, list or single). */
  field(v: unknown, f: schema.FieldSchema, struct: string): void {
    if (v === null || v === undefined) return
    if (f.map) {
      if (!isPlainObject(v)) return this.#save(jsonKind(v), goField(f), struct)
      for (const k in v) this.value(v[k], f.t, struct)
      return
    }
    if (f.rep) {
      if (!Array.isArray(v)) return this.#save(jsonKind(v), goField(f), struct)
      for (let i = 0; i < v.length; i++) this.value(v[i], f.t, struct)
      return
    }
    this.value(v, f.t, struct)
  }

  /** A single value of type `t`. */
  value(v: unknown, t: string, struct: string | undefined): void {
    if (v === null || v === undefined) return
    if (typeof v === "string") {
      const literal = literalOf(v)
      if (literal !== undefined) return this.#literal(literal, t, struct)
    }
    const plan = planOf(t)
    switch (plan.is) {
      case "scalar":
        return this.#scalar(v, t, struct)
      case "opaque":
        return
      case "quantity":
        return this.#quantity(v)
      case "intOrString":
        return this.#intOrString(v, struct)
      case "string":
        if (typeof v !== "string") throw new Abort(this.#typeError(jsonKind(v), "string", struct))
        return
      case "time":
      case "microTime":
        return this.#time(v, plan.is === "microTime", struct)
    }
    if (!isPlainObject(v)) return this.#save(jsonKind(v), plan.go, struct)
    const fields = plan.fields
    for (const name in v) {
      const f = fields[name]
      if (!f) continue
      const x = v[name]
      // Most fields are strings where a string is wanted: nothing to check, no path to keep.
      if (x === null || x === undefined || (typeof x === "string" && isPlainString(f, x))) continue
      this.#path.push(name)
      this.field(v[name], f, plan.struct)
      this.#path.pop()
    }
  }

  /** A number written `1.0` or `1e3`: no integer, whatever its value (Go parses integers as such). */
  #literal(literal: string, t: string, struct: string | undefined): void {
    if (t in INT_RANGES) return this.#save(`number ${literal}`, GO_SCALARS[t] as string, struct)
    if (t === schema.INT_OR_STRING) throw new Abort(this.#typeError(`number ${literal}`, "int32", struct))
    this.value(Number(literal), t, struct)
  }

  #scalar(v: unknown, t: string, struct: string | undefined): void {
    const go = GO_SCALARS[t] as string
    if (t === "bytes") {
      if (typeof v !== "string") return this.#save(jsonKind(v), go, struct)
      const bad = base64Error(v)
      if (bad !== undefined) this.saved ??= `illegal base64 data at input byte ${bad}`
      return
    }
    if (t === "string" || t === "bool") {
      const want = t === "string" ? "string" : "boolean"
      if (typeof v !== want) this.#save(typeof v === "number" ? "number" : jsonKind(v), go, struct)
      return
    }
    if (typeof v !== "number") return this.#save(jsonKind(v), go, struct)
    const range = INT_RANGES[t]
    if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) this.#save(`number ${v}`, go, struct)
  }

  #quantity(v: unknown): void {
    if (quantity(v)) this.toRewrite = true
  }

  /** metav1.Time's UnmarshalJSON: a string Go's RFC 3339 layout parses, its error stopping the decoder. */
  #time(v: unknown, micro: boolean, struct: string | undefined): void {
    if (typeof v !== "string") throw new Abort(this.#typeError(jsonKind(v), "string", struct))
    const t = decodeMetaTime(v, micro)
    if (t.error !== undefined) throw new Abort(t.error)
    if (t.value !== v) this.toRewrite = true
  }

  #intOrString(v: unknown, struct: string | undefined): void {
    if (typeof v === "string") return
    if (typeof v !== "number") throw new Abort(this.#typeError(jsonKind(v), "int32", struct))
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647)
      throw new Abort(this.#typeError(`number ${v}`, "int32", struct))
  }
}

/** Whether a string value of field `f` needs no check: a string field, the value no marked number. */
function isPlainString(f: schema.FieldSchema, v: string): boolean {
  return f.t === "string" && !f.map && !f.rep && literalOf(v) === undefined
}

/**
 * A quantity's JSON value as upstream's Quantity.UnmarshalJSON reads it.
 * @returns whether it is written otherwise than upstream stores it (its canonical string)
 */
function quantity(v: unknown): boolean {
  const text = typeof v === "string" ? v.trim() : JSON.stringify(v)
  const q = parseQuantity(text)
  if (q) return quantityString(q) !== v
  if (!QUANTITY_SHAPE.test(text)) throw new Abort(FORMAT_WRONG)
  const numeric = /^[+-]?[0-9]*(\.[0-9]*)?/.exec(text)?.[0] ?? ""
  throw new Abort(
    /[0-9]/.test(numeric) ? "unable to parse quantity's suffix" : "unable to parse numeric part of quantity",
  )
}

const BASE64 = /^[A-Za-z0-9+/]$/

function isNewline(c: string | undefined): boolean {
  return c === "\n" || c === "\r"
}

/**
 * The offset Go's padded standard base64 decoder reports for `s` (it skips CR and LF, wants
 * whole quanta, padding only at the end), or undefined when `s` decodes.
 */
function base64Error(s: string): number | undefined {
  const n = s.length
  let si = 0
  for (;;) {
    for (let j = 0; j < 4; j++) {
      if (si === n) return j === 0 ? undefined : si - j
      const c = s[si++] as string
      if (BASE64.test(c)) continue
      if (isNewline(c)) {
        j--
        continue
      }
      if (c !== "=" || j < 2) return si - 1
      return paddingError(s, si, j)
    }
  }
}

/** After the first `=` of quantum position `j` (2 or 3), ending at `si`: where it goes wrong. */
function paddingError(s: string, at: number, j: number): number | undefined {
  let si = at
  if (j === 2) {
    while (isNewline(s[si])) si++
    if (si === s.length) return s.length
    if (s[si] !== "=") return si - 1
    si++
  }
  while (isNewline(s[si])) si++
  return si < s.length ? si : undefined
}

/** Whether a check came across a time or quantity written otherwise than upstream stores it. */
interface RewriteSeen {
  rewrite: boolean
}

/** Go's reflect.Kind of a value the unstructured converter holds (integers are int64). */
function unstructuredKind(v: unknown): string {
  if (Array.isArray(v)) return "slice"
  if (typeof v === "boolean") return "bool"
  if (typeof v === "string") return "string"
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64"
  return "map"
}

/**
 * The error of upstream's unstructured converter (which a strategic merge patch's result goes
 * through) for `v` as type `t`, or undefined: it stops at the first, with its own wording
 * (`unrecognized type: string`, `cannot convert int64 to string`, `cannot restore map from bool`).
 */
function unstructuredError(v: unknown, t: string, kept: unknown, seen: RewriteSeen): string | undefined {
  if (unchecked(v, t, kept)) return undefined
  if (t === "bytes") {
    if (typeof v !== "string") return `cannot restore slice from ${unstructuredKind(v)}`
    const bad = base64Error(v)
    return bad === undefined ? undefined : `illegal base64 data at input byte ${bad}`
  }
  if (t in GO_SCALARS) return scalarConversion(v, GO_SCALARS[t] as string)
  if (t === schema.QUANTITY || t === schema.INT_OR_STRING || t === schema.TIME || t === schema.MICRO_TIME)
    return customError(v, t, seen)
  const fields = structFields(t)
  if (!fields) return undefined
  if (!isPlainObject(v)) return `cannot restore struct from: ${unstructuredKind(v)}`
  const keptFields = isPlainObject(kept) ? kept : undefined
  // The converter stops at the first field in declaration order with an error: the value's own
  // keys (most structs set few of their fields) are checked, keeping the earliest field's error.
  let first = -1
  let error: string | undefined
  for (const name in v) {
    const field = fields.get(name)
    if (field === undefined || (first >= 0 && field.at > first)) continue
    const err = unstructuredField(v[name], field.schema, keptFields?.[name], seen)
    if (err) {
      first = field.at
      error = err
    }
  }
  return error
}

/** A struct field: its place in the declaration order, and its schema. */
interface StructField {
  readonly at: number
  readonly schema: schema.FieldSchema
}

/** Each struct type's fields by JSON name; null for a type that is not a struct. */
const structFieldMaps = new Map<string, ReadonlyMap<string, StructField> | null>()

/** The fields unstructuredError looks up for `t`, made once per type rather than once per value. */
function structFields(t: string): ReadonlyMap<string, StructField> | null {
  let fields = structFieldMaps.get(t)
  if (fields === undefined) {
    const declared = schema.typeSchema(t)?.alias ? undefined : jsonFieldsOf(t)
    fields = declared
      ? new Map(Object.entries(declared).map(([name, f], at) => [name, { at, schema: f }]))
      : null
    structFieldMaps.set(t, fields)
  }
  return fields
}

/** Nothing to convert: no value, a free-form type, or a value the patch left as stored (converted when written). */
function unchecked(v: unknown, t: string, kept: unknown): boolean {
  if (v === null || v === undefined || schema.FREE_FORM_TYPES.has(t)) return true
  return v === kept && typeof v === "object"
}

function unstructuredField(
  v: unknown,
  f: schema.FieldSchema,
  kept: unknown,
  seen: RewriteSeen,
): string | undefined {
  if (v === null || v === undefined) return undefined
  if (!f.map && !f.rep) return unstructuredError(v, f.t, kept, seen)
  if (v === kept && typeof v === "object") return undefined // as stored (converted once already)
  const ok = f.map ? isPlainObject(v) : Array.isArray(v)
  if (!ok) return `cannot restore ${f.map ? "map" : "slice"} from ${unstructuredKind(v)}`
  const was = (typeof kept === "object" && kept !== null ? kept : {}) as Record<string, unknown>
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const err = unstructuredError(v[i], f.t, was[i], seen)
      if (err) return err
    }
    return undefined
  }
  // for-in over a parsed JSON object visits what Object.entries would, in its order, without an array.
  for (const k in v as Record<string, unknown>) {
    const err = unstructuredError((v as Record<string, unknown>)[k], f.t, was[k], seen)
    if (err) return err
  }
  return undefined
}

/** A JSON scalar into a Go scalar the way the converter allows: within bools, numbers, strings. */
function scalarConversion(v: unknown, go: string): string | undefined {
  const kind = unstructuredKind(v)
  const numeric = go.startsWith("int") || go.startsWith("uint") || go.startsWith("float")
  if (kind === go || (kind === "int64" && numeric)) return undefined
  if (kind === "float64" && numeric)
    return go.startsWith("float") ? undefined : `cannot convert float64 to ${go}`
  // Go converts an integer to a string (a rune), which the converter refuses by name.
  if (kind === "int64" && go === "string") return "cannot convert int64 to string"
  return `unrecognized type: ${go}`
}

/** A type with its own JSON decoding, which the converter hands the value's JSON to. */
function customError(v: unknown, t: string, seen: RewriteSeen): string | undefined {
  if (t === schema.QUANTITY) {
    try {
      if (quantity(v)) seen.rewrite = true
    } catch (e) {
      if (e instanceof Abort) return e.message
      throw e
    }
    return undefined
  }
  if (t === schema.INT_OR_STRING) {
    if (typeof v === "string" || (typeof v === "number" && Number.isInteger(v))) return undefined
    const value = typeof v === "number" ? `number ${v}` : jsonKind(v)
    return `json: cannot unmarshal ${value} into Go value of type int32`
  }
  if (typeof v !== "string") return `json: cannot unmarshal ${jsonKind(v)} into Go value of type string`
  const time = decodeMetaTime(v, t === schema.MICRO_TIME)
  if (time.error === undefined && time.value !== v) seen.rewrite = true
  return time.error
}

/**
 * The error upstream's decoder gives for `obj` as message `type`: a type mismatch
 * (the first, as Go saves it) or a custom decoder's error (which wins, as it stops decoding).
 */
export function decodeError(obj: unknown, type: string): string | undefined {
  return decode(obj, type).error
}

function decode(obj: unknown, type: string): { error: string | undefined; toRewrite: boolean } {
  const d = new Decoder()
  try {
    d.value(obj, type, undefined)
  } catch (e) {
    if (e instanceof Abort) return { error: e.message, toRewrite: false }
    throw e
  }
  return { error: d.saved, toRewrite: d.toRewrite }
}

/**
 * Fails a create or update body upstream's decoder would not take (`json`: its text, when JSON,
 * for the number literals JSON.parse hides), and rewrites the times and quantities of one it takes, in place, as
 * upstream stores them.
 * @throws ApiError BadRequest `<Kind> in version "<v>" cannot be handled as a <kind>: <error>`
 */
export function checkDecodes(
  obj: unknown,
  type: string | undefined,
  kind: string,
  version: string,
  json?: string,
): void {
  if (!type) return
  const { error: err, toRewrite } = decode((json !== undefined && markedNumbers(json)) || obj, type)
  if (err === undefined) {
    // Bodies with nothing to rewrite (a pod's create, usually) are not walked again.
    if (toRewrite) normalizeStored(obj, type)
    return
  }
  const body = isPlainObject(obj) ? obj : {}
  const bodyKind = typeof body.kind === "string" && body.kind ? body.kind : kind
  const bodyVersion = typeof body.apiVersion === "string" ? (body.apiVersion.split("/").pop() ?? "") : version
  throw badRequest(`${bodyKind} in version "${bodyVersion}" cannot be handled as a ${kind}: ${err}`)
}

/** Keys sorted at every level, as Go marshals a decoded JSON map. */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(",")}]`
  if (isPlainObject(v)) {
    const keys = Object.keys(v).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(",")}}`
  }
  return JSON.stringify(v)
}

/**
 * Fails the result of a patch upstream could not turn back into its type: 422 naming the patch,
 * a merge or JSON patch by the patched object with the decoder's error, a strategic merge patch
 * by the patch (as Go's `%+v` prints it) with the unstructured converter's. `original`: the object
 * patched, whose values a strategic or merge patch kept as they are are not checked again. The
 * times and quantities of a result that passes are rewritten in place as upstream stores them.
 * @throws ApiError Invalid ` "" is invalid: patch: Invalid value: ...`
 */
export function checkPatchDecodes(
  patched: unknown,
  patch: unknown,
  type: string | undefined,
  contentType: string,
  original?: unknown,
): void {
  if (!type) return
  const strategic = contentType === "application/strategic-merge-patch+json"
  // A merge patch shares what it kept with the object patched: only the rest is decoded.
  const merged = contentType === "application/merge-patch+json" && original !== undefined
  const seen: RewriteSeen = { rewrite: false }
  let err: string | undefined
  if (strategic) err = unstructuredError(patched, type, original, seen)
  else {
    const decoded = decode(merged ? changedPart(patched, original) : patched, type)
    err = decoded.error
    seen.rewrite = decoded.toRewrite
  }
  if (err === undefined) {
    // Most patches write no time or quantity, or write it as stored: nothing to walk again.
    if (seen.rewrite) normalizeStored(patched, type, original)
    return
  }
  const shown = strategic ? goValue(patch) : sortedJson(patched)
  throw invalid("", "", [fieldErrors.invalidValue("patch", shown, err)])
}

/**
 * `patched` without the object values it kept from `original` (the same objects, decoded when
 * they were written), its maps copied along the way: what a decode check of the patch's
 * result needs to look at. Keys keep their order, so the first error found is the same.
 */
function changedPart(patched: unknown, original: unknown): unknown {
  if (!isPlainObject(patched) || !isPlainObject(original)) return patched
  const out: Record<string, unknown> = {}
  for (const k in patched) {
    const v = patched[k]
    const was = original[k]
    if (v === was && typeof v === "object" && v !== null) continue
    out[k] = changedPart(v, was)
  }
  return out
}

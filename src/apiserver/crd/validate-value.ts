/**
 * Validates a custom resource against its version's structural schema, reporting what
 * upstream's OpenAPI validator reports, converted to field errors the way apiextensions does:
 * `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`.
 */
import { isIPv4, isIPv6 } from "node:net"
import { type FieldError, fieldErrors } from "../../api/index.ts"
import {
  type StructuralSchema as Schema,
  additionalOf,
  isPlainObject,
  itemsOf,
  jsonType,
} from "../../api/index.ts"

const IN = "body"

/** How upstream's validator names a value: `spec.replicas in body`, or `in body` at the root. */
function inBody(path: string): string {
  return path ? `${path} in ${IN}` : `in ${IN}`
}

function invalid(path: string, value: unknown, detail: string): FieldError {
  return fieldErrors.invalidValue(path, value, detail)
}

/** Whether `v` has one of the schema's types (int-or-string accepts both). */
function typeMatches(s: Schema, v: unknown): string | undefined {
  const actual = jsonType(v)
  if (s["x-kubernetes-int-or-string"]) {
    return actual === "integer" || actual === "string" ? undefined : "integer,string"
  }
  if (!s.type) return undefined
  if (s.type === actual || (s.type === "number" && actual === "integer")) return undefined
  return s.type
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function validateNumber(s: Schema, v: number, path: string): FieldError[] {
  const errs: FieldError[] = []
  if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
    const op = s.exclusiveMaximum ? "less than" : "less than or equal to"
    errs.push(invalid(path, v, `${inBody(path)} should be ${op} ${s.maximum}`))
  }
  if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
    const op = s.exclusiveMinimum ? "greater than" : "greater than or equal to"
    errs.push(invalid(path, v, `${inBody(path)} should be ${op} ${s.minimum}`))
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(v / s.multipleOf)) {
    errs.push(invalid(path, v, `${inBody(path)} should be a multiple of ${s.multipleOf}`))
  }
  return errs
}

function validateString(s: Schema, v: string, path: string): FieldError[] {
  const errs: FieldError[] = []
  const length = [...v].length
  if (s.maxLength !== undefined && length > s.maxLength) errs.push(fieldErrors.tooLong(path, s.maxLength))
  if (s.minLength !== undefined && length < s.minLength) {
    errs.push(invalid(path, v, `${inBody(path)} should be at least ${s.minLength} chars long`))
  }
  const format = s.format ? FORMATS[s.format] : undefined
  if (format && !format(v)) {
    errs.push({
      type: "FieldValueTypeInvalid",
      field: path,
      message: `Invalid value: ${JSON.stringify(v)}: ${inBody(path)} must be of type ${s.format}: ${JSON.stringify(v)}`,
    })
  }
  if (s.pattern !== undefined && !patternOf(s.pattern)?.test(v)) {
    errs.push(invalid(path, v, `${inBody(path)} should match '${s.pattern}'`))
  }
  return errs
}

const DATE = "\\d{4}-\\d{2}-\\d{2}"
const DATE_TIME = new RegExp(`^${DATE}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$`)

/** The string formats upstream's validator keeps for CRDs, those k8ts checks. */
const FORMATS: Readonly<Record<string, (v: string) => boolean>> = {
  "date-time": (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)),
  datetime: (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => new RegExp(`^${DATE}$`).test(v) && !Number.isNaN(Date.parse(v)),
  uuid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  byte: (v) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  ipv4: (v) => isIPv4(v),
  ipv6: (v) => isIPv6(v),
}

const PATTERNS = new Map<string, RegExp | undefined>()

/** The compiled pattern (ECMA syntax, as CRD patterns are written), cached. */
export function patternOf(p: string): RegExp | undefined {
  if (!PATTERNS.has(p)) {
    let re: RegExp | undefined
    try {
      re = new RegExp(p, "u")
    } catch {
      re = undefined
    }
    PATTERNS.set(p, re)
  }
  return PATTERNS.get(p)
}

function validateArray(s: Schema, v: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = []
  if (s.maxItems !== undefined && v.length > s.maxItems)
    errs.push(fieldErrors.tooMany(path, v.length, s.maxItems))
  if (s.minItems !== undefined && v.length < s.minItems) {
    errs.push(invalid(path, v.length, `${inBody(path)} should have at least ${s.minItems} items`))
  }
  const items = itemsOf(s)
  if (items) v.forEach((item, i) => errs.push(...validateValue(items, item, `${path}.${i}`)))
  errs.push(...listTypeErrors(s, v, path))
  return errs
}

/** Go's %#v of a map's key fields, as upstream prints a duplicate map-list entry. */
function goMap(keys: Record<string, unknown>): string {
  const fields = Object.entries(keys).map(([k, val]) => `${JSON.stringify(k)}:${JSON.stringify(val)}`)
  return `map[string]interface {}{${fields.join(", ")}}`
}

/** Duplicates in x-kubernetes-list-type set and map lists. */
function listTypeErrors(s: Schema, v: unknown[], path: string): FieldError[] {
  const type = s["x-kubernetes-list-type"]
  if (type !== "set" && type !== "map") return []
  const keys = s["x-kubernetes-list-map-keys"] ?? []
  const seen = new Set<string>()
  const errs: FieldError[] = []
  v.forEach((item, i) => {
    const keyed =
      type === "map" && isPlainObject(item) ? Object.fromEntries(keys.map((k) => [k, item[k]])) : undefined
    const id = JSON.stringify(keyed ?? item)
    if (!seen.has(id)) seen.add(id)
    else if (keyed) {
      errs.push({
        type: "FieldValueDuplicate",
        field: `${path}[${i}]`,
        message: `Duplicate value: ${goMap(keyed)}`,
      })
    } else errs.push(fieldErrors.duplicate(`${path}[${i}]`, item))
  })
  return errs
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}

function validateObject(s: Schema, v: Record<string, unknown>, path: string, root: boolean): FieldError[] {
  const errs: FieldError[] = []
  const count = Object.keys(v).length
  if (s.maxProperties !== undefined && count > s.maxProperties)
    errs.push(fieldErrors.tooMany(path, count, s.maxProperties))
  if (s.minProperties !== undefined && count < s.minProperties) {
    errs.push(invalid(path, count, `${inBody(path)} should have at least ${s.minProperties} properties`))
  }
  for (const name of s.required ?? []) {
    if (v[name] === undefined) errs.push(fieldErrors.required(join(path, name)))
  }
  const extra = additionalOf(s)
  for (const [k, value] of Object.entries(v)) {
    // The root's apiVersion, kind and metadata are checked by the API machinery, not the schema.
    if (root && (k === "apiVersion" || k === "kind" || k === "metadata")) continue
    const prop = s.properties?.[k] ?? extra
    if (prop) errs.push(...validateValue(prop, value, join(path, k)))
  }
  return errs
}

function validateJunctors(s: Schema, v: unknown, path: string): FieldError[] {
  const errs: FieldError[] = []
  for (const sub of s.allOf ?? []) errs.push(...validateValue(sub, v, path, false, true))
  const name = path || IN
  if (s.anyOf?.length && !s.anyOf.some((sub) => validateValue(sub, v, path, false, true).length === 0)) {
    errs.push(invalid(path, "", `"${name}" must validate at least one schema (anyOf)`))
  }
  if (s.oneOf?.length) {
    const passing = s.oneOf.filter((sub) => validateValue(sub, v, path, false, true).length === 0).length
    if (passing !== 1) errs.push(invalid(path, "", `"${name}" must validate one and only one schema (oneOf)`))
  }
  if (s.not && validateValue(s.not, v, path, false, true).length === 0) {
    errs.push(invalid(path, "", `"${name}" must not validate the schema (not)`))
  }
  return errs
}

/**
 * The field errors of `v` at `path` under schema `s`. `root` skips the object's apiVersion,
 * kind and metadata; `nested` marks a value validation under allOf/anyOf/oneOf/not.
 */
export function validateValue(
  s: Schema,
  v: unknown,
  path: string,
  root = false,
  nested = false,
): FieldError[] {
  if (v === null && s.nullable) return []
  const wanted = nested && !s.type ? undefined : typeMatches(s, v)
  if (wanted !== undefined) {
    const actual = jsonType(v)
    return [
      {
        type: "FieldValueTypeInvalid",
        field: path,
        message: `Invalid value: ${JSON.stringify(actual)}: ${inBody(path)} must be of type ${wanted}: ${JSON.stringify(actual)}`,
      },
    ]
  }
  const errs: FieldError[] = []
  if (s.enum && !s.enum.some((e) => deepEqual(e, v))) {
    errs.push(
      fieldErrors.notSupported(
        path,
        v,
        s.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e))),
      ),
    )
  }
  if (typeof v === "number") errs.push(...validateNumber(s, v, path))
  else if (typeof v === "string") errs.push(...validateString(s, v, path))
  else if (Array.isArray(v)) errs.push(...validateArray(s, v, path))
  else if (isPlainObject(v)) errs.push(...validateObject(s, v, path, root))
  errs.push(...validateJunctors(s, v, path))
  return errs
}

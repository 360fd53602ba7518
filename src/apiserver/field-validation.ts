/**
 * fieldValidation (Strict, Warn, Ignore) on create, update and patch, by the schema table: fields
 * a kind does not have are dropped from the object, and reported as upstream's strict decoder
 * reports them (`unknown field "spec.foo"`), as are keys a JSON body repeats
 * (`duplicate field "spec.paused"`). Strict fails the request, Warn (the default) answers with
 * one Warning header per field, Ignore says nothing.
 */
import {
  ApiError,
  badRequest,
  fieldErrors,
  hasTypeMeta,
  invalid,
  isPlainObject,
  jsonFieldsOf,
  schema,
} from "../api/index.ts"
import { duplicateFields, isUnder, pathOf } from "./json-duplicates.ts"

/** What the server does with unknown and duplicate fields. */
export type FieldValidation = "Strict" | "Warn" | "Ignore"

const DIRECTIVES: readonly FieldValidation[] = ["Ignore", "Strict", "Warn"]

/**
 * The request's fieldValidation parameter (default Warn); `options` names the options kind
 * (`CreateOptions`, `UpdateOptions`, `PatchOptions`) an unsupported value is reported against.
 * @throws ApiError Invalid for a value other than the three
 */
export function fieldValidationOf(query: URLSearchParams, options: string): FieldValidation {
  const v = query.get("fieldValidation") ?? ""
  if (v === "") return "Warn"
  if ((DIRECTIVES as readonly string[]).includes(v)) return v as FieldValidation
  throw invalid(
    options,
    "",
    [fieldErrors.notSupported("fieldValidation", v, ["", ...DIRECTIVES])],
    "meta.k8s.io",
  )
}

/** Types whose JSON form is a scalar or free-form: nothing inside them is checked. */
const OPAQUE = new Set([
  schema.TIME,
  schema.MICRO_TIME,
  schema.DURATION,
  schema.QUANTITY,
  schema.INT_OR_STRING,
  ...schema.FREE_FORM_TYPES,
])

/** How a prune walks a value of one type: its fields, or undefined when nothing inside is checked. */
interface Walk {
  readonly fields: Readonly<Record<string, schema.FieldSchema>> | undefined
  /** Whether `apiVersion` and `kind` are allowed at the top (a kind, its list, options). */
  readonly typeMeta: boolean
}

const NOT_WALKED: Walk = { fields: undefined, typeMeta: false }
/** Walks by type name, made at first use (the schema table never changes). */
const walks = new Map<string, Walk>()

function walkOf(type: string): Walk {
  let w = walks.get(type)
  if (w === undefined) {
    const fields =
      OPAQUE.has(type) || schema.SCALAR_TYPES.has(type) || schema.typeSchema(type)?.alias
        ? undefined
        : jsonFieldsOf(type)
    w = fields ? { fields, typeMeta: hasTypeMeta(type) } : NOT_WALKED
    walks.set(type, w)
  }
  return w
}

/**
 * Walks `value` as `walk`'s type, deleting and recording (in `out`) every field the type lacks;
 * `at` is the value's path as segments (spelled out only for a field it lacks). `was`: the value
 * at the same path of the object a patch was applied to, when it was stored (and so pruned): the
 * objects the patch kept from it (the very same objects) are not walked again.
 */
function prune(value: unknown, walk: Walk, at: (string | number)[], out: string[], was?: unknown): void {
  const fields = walk.fields
  if (fields === undefined || !isPlainObject(value)) return
  const before = isPlainObject(was) ? was : undefined
  // for-in, not Object.keys: no array per object. Only the current key is ever deleted (and the
  // values of a JSON decode have no enumerable inherited keys), so the keys and order are the same.
  for (const key in value) {
    const f = fields[key]
    if (!f) {
      dropUnknown(value, key, walk, at, out)
      continue
    }
    const v = value[key]
    // Scalars (most fields) need no walk, nor what the patch left as it was.
    if (typeof v !== "object" || v === null) continue
    const vWas = before?.[key]
    if (v === vWas) continue
    const inner = walkOf(f.t)
    if (inner.fields === undefined) continue
    at.push(key)
    if (f.map && !Array.isArray(v))
      pruneItems(v as Record<string, unknown>, inner, at, out, isPlainObject(vWas) ? vWas : undefined)
    else if (f.rep && Array.isArray(v)) pruneItems(v, inner, at, out, Array.isArray(vWas) ? vWas : undefined)
    else prune(v, inner, at, out, vWas)
    at.pop()
  }
}

/** Deletes and records field `key` that `value`'s type lacks (but typeMeta at the top). */
function dropUnknown(
  value: Record<string, unknown>,
  key: string,
  walk: Walk,
  at: (string | number)[],
  out: string[],
): void {
  if (at.length === 0 && (key === "apiVersion" || key === "kind") && walk.typeMeta) return
  at.push(key)
  out.push(pathOf(at))
  at.pop()
  delete value[key]
}

/** prune of each value of a map or list (`items`), those kept from `was` (the same objects) left out. */
function pruneItems(
  items: Record<string, unknown> | unknown[],
  walk: Walk,
  at: (string | number)[],
  out: string[],
  was: Record<string, unknown> | unknown[] | undefined,
): void {
  if (Array.isArray(items)) {
    for (let i = 0; i < items.length; i++)
      pruneItem(items[i], i, walk, at, out, (was as unknown[] | undefined)?.[i])
  } else {
    for (const k in items)
      pruneItem(items[k], k, walk, at, out, (was as Record<string, unknown> | undefined)?.[k])
  }
}

/** prune of item `k` of a map or list, unless kept from `was` (itemWas is the very same object). */
function pruneItem(
  item: unknown,
  k: string | number,
  walk: Walk,
  at: (string | number)[],
  out: string[],
  itemWas: unknown,
): void {
  if (item === itemWas && itemWas !== undefined) return
  at.push(k)
  prune(item, walk, at, out, itemWas)
  at.pop()
}

/**
 * Removes from `obj` (in place) every field definition `type` does not declare, and returns their
 * paths as upstream prints them (`spec.template.spec.containers[0].foo`). `stored`: the stored
 * object a patch made `obj` from (see prune), whose kept parts need no walk.
 */
export function pruneUnknownFields(obj: unknown, type: string, stored?: unknown): string[] {
  const out: string[] = []
  prune(obj, walkOf(type), [], out, stored)
  return out
}

/**
 * The strict decoding problems of a body: the decoder's own (`leading`), unknown fields (pruned
 * from `obj`), then keys the JSON text repeats.
 */
function problems(
  obj: unknown,
  input: FieldCheckInput,
  json: string | undefined,
  leading: readonly string[],
  stored?: unknown,
): string[] {
  const unknownPaths = input.prune ? input.prune(obj) : pruneUnknownFields(obj, input.type ?? "", stored)
  // A repeated field that is also unknown (or inside an unknown one) counts as unknown only.
  const dupPaths = json === undefined ? [] : duplicateFields(json).filter((p) => !isUnder(p, unknownPaths))
  const unknown = unknownPaths.map((p) => `unknown field "${p}"`)
  const dups = dupPaths.map((p) => `duplicate field "${p}"`)
  if (leading.length + unknown.length + dups.length === 0) return [] // the usual answer
  return [...new Set([...leading, ...unknown, ...dups])]
}

/** What checking a body found: warnings to send (Warn), or nothing. */
export interface FieldCheck {
  readonly warnings: readonly string[]
}

/** What a check needs to know about the request. */
export interface FieldCheckInput {
  readonly directive: FieldValidation
  /** The definition the body must match (`io.k8s.api.apps.v1.Deployment`); undefined skips the check. */
  readonly type: string | undefined
  /** Prunes and returns the unknown fields instead of `type` (a custom resource's schema). */
  readonly prune?: (obj: unknown) => string[]
  readonly kind: string
  readonly version: string
  /** The body's text when it is JSON (for duplicate keys). */
  readonly json?: string
  /** Problems the body's decoder found (a YAML body's repeated keys), reported first. */
  readonly decoding?: readonly string[]
}

/**
 * Checks and prunes a create or update body (`obj`, modified in place).
 * @throws ApiError BadRequest under Strict, as upstream's "cannot be handled as a" error
 */
export function checkBody(obj: unknown, input: FieldCheckInput): FieldCheck {
  if ((!input.type && !input.prune) || !isPlainObject(obj)) return { warnings: [] }
  const json = input.directive === "Ignore" ? undefined : input.json
  const decoding = input.decoding ?? []
  const found = problems(obj, input, json, decoding)
  if (found.length === 0 || input.directive === "Ignore") return { warnings: [] }
  if (input.directive === "Warn") return { warnings: found }
  // The YAML decoder's repeated keys are one error of several lines, as upstream's.
  const errors = decoding.length
    ? [`yaml: unmarshal errors:\n  ${decoding.join("\n  ")}`, ...found.slice(decoding.length)]
    : found
  const kind = typeof obj.kind === "string" && obj.kind ? obj.kind : input.kind
  const version = typeof obj.apiVersion === "string" ? (obj.apiVersion.split("/").pop() ?? "") : input.version
  throw badRequest(
    `${kind} in version "${version}" cannot be handled as a ${input.kind}: strict decoding error: ${errors.join(", ")}`,
  )
}

/** Go's `%+v` of a decoded JSON value, as upstream prints a patch in its errors. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return "<nil>"
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`
  if (isPlainObject(v)) {
    const keys = Object.keys(v).sort()
    return `map[${keys.map((k) => `${k}:${goValue(v[k])}`).join(" ")}]`
  }
  return String(v)
}

/**
 * Checks and prunes the object a patch produced (`patched`, modified in place); `patch` is the
 * decoded patch and `json` its text. `original`: the stored object patched, when it is one; the
 * parts of it a built-in kind's patch kept as they were are not walked again (they were pruned
 * when written, as upstream's decoder drops unknown fields of what it reads from storage).
 * The problems are reported in upstream's order: the patch's own (`found.leading`, then a merge
 * or strategic merge patch's repeated keys), then the unknown fields of its result.
 * @throws ApiError Invalid under Strict, naming the patch as upstream does (`found.shown`)
 */
export function checkPatched(
  patched: unknown,
  patch: unknown,
  input: FieldCheckInput,
  original?: unknown,
  found?: PatchFindings,
): FieldCheck {
  const leading = found?.leading ?? []
  // Printed only for the error: most patches have nothing to report.
  const shown = () => found?.shown ?? goValue(patch)
  if ((!input.type && !input.prune) || !isPlainObject(patched)) return strictAnswer(leading, input, shown)
  // A merge or strategic merge patch is read into a map first: its repeated keys come first, an
  // unknown field's too (a JSON patch's repeated keys are its operations', in `leading`).
  const dupText = input.directive === "Ignore" || Array.isArray(patch) ? undefined : input.json
  const dups = dupText === undefined ? [] : duplicateFields(dupText).map((p) => `duplicate field "${p}"`)
  const all = problems(patched, input, undefined, [...leading, ...dups], original)
  return strictAnswer(all, input, shown)
}

/** What checkPatched is told of a patch besides its result. */
export interface PatchFindings {
  /** The problems decoding the patch itself found (a JSON patch's operations), reported first. */
  readonly leading?: readonly string[]
  /** How the Invalid error shows the patch (a merge or JSON patch: the object it made); else Go's `%+v` of the patch. */
  readonly shown?: string
}

/** Warnings (Warn) or a 422 (Strict) for the problems `found`; nothing under Ignore. */
function strictAnswer(found: readonly string[], input: FieldCheckInput, shown: () => string): FieldCheck {
  if (found.length === 0 || input.directive === "Ignore") return { warnings: [] }
  if (input.directive === "Warn") return { warnings: found }
  throw invalid("", "", [
    {
      type: "FieldValueInvalid",
      field: "patch",
      message: `Invalid value: ${JSON.stringify(shown())}: strict decoding error: ${found.join(", ")}`,
    },
  ])
}

/** The Warning header value of `warnings` (code 299, agent "-"), or undefined for none. */
export function warningHeader(warnings: readonly string[]): string | undefined {
  if (warnings.length === 0) return undefined
  return warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ")
}

/** Whether `err` is one of this module's strict decoding failures. */
export function isStrictDecodingError(err: unknown): boolean {
  return err instanceof ApiError && err.message.includes("strict decoding error:")
}

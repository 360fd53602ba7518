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
  jsonFieldsOf,
  schema,
} from "../api/index.ts"
import { duplicateFields, pathOf } from "./json-duplicates.ts"

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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

/**
 * Walks `value` as type `type`, deleting and recording (in `out`) every field the type lacks;
 * `at` is the value's path as segments (spelled out only for a field it lacks).
 */
function prune(value: unknown, type: string, at: (string | number)[], out: string[]): void {
  if (!isObject(value) || OPAQUE.has(type) || schema.SCALAR_TYPES.has(type)) return
  const fields = jsonFieldsOf(type)
  if (!fields || schema.typeSchema(type)?.alias) return
  for (const key of Object.keys(value)) {
    const f = fields[key]
    at.push(key)
    if (!f) {
      if (!(at.length === 1 && (key === "apiVersion" || key === "kind") && hasTypeMeta(type))) {
        out.push(pathOf(at))
        delete value[key]
      }
    } else {
      const v = value[key]
      if (f.map && isObject(v)) {
        for (const k of Object.keys(v)) {
          at.push(k)
          prune(v[k], f.t, at, out)
          at.pop()
        }
      } else if (f.rep && Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          at.push(i)
          prune(v[i], f.t, at, out)
          at.pop()
        }
      } else prune(v, f.t, at, out)
    }
    at.pop()
  }
}

/**
 * Removes from `obj` (in place) every field definition `type` does not declare, and returns their
 * paths as upstream prints them (`spec.template.spec.containers[0].foo`).
 */
export function pruneUnknownFields(obj: unknown, type: string): string[] {
  const out: string[] = []
  prune(obj, type, [], out)
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
): string[] {
  const unknownPaths = input.prune ? input.prune(obj) : pruneUnknownFields(obj, input.type ?? "")
  // A repeated field that is also unknown (or inside an unknown one) counts as unknown only.
  const isUnknown = (p: string) =>
    unknownPaths.some((u) => p === u || p.startsWith(`${u}.`) || p.startsWith(`${u}[`))
  const dupPaths = json === undefined ? [] : duplicateFields(json).filter((p) => !isUnknown(p))
  const unknown = unknownPaths.map((p) => `unknown field "${p}"`)
  const dups = dupPaths.map((p) => `duplicate field "${p}"`)
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
  if ((!input.type && !input.prune) || !isObject(obj)) return { warnings: [] }
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
  if (isObject(v)) {
    const keys = Object.keys(v).sort()
    return `map[${keys.map((k) => `${k}:${goValue(v[k])}`).join(" ")}]`
  }
  return String(v)
}

/**
 * Checks and prunes the object a patch produced (`patched`, modified in place); `patch` is the
 * decoded patch and `json` its text.
 * @throws ApiError Invalid under Strict, naming the patch as upstream does
 */
export function checkPatched(patched: unknown, patch: unknown, input: FieldCheckInput): FieldCheck {
  if ((!input.type && !input.prune) || !isObject(patched)) return { warnings: [] }
  const dupText = input.directive === "Ignore" || Array.isArray(patch) ? undefined : input.json
  const found = problems(patched, input, dupText, [])
  if (found.length === 0 || input.directive === "Ignore") return { warnings: [] }
  if (input.directive === "Warn") return { warnings: found }
  throw invalid("", "", [
    {
      type: "FieldValueInvalid",
      field: "patch",
      message: `Invalid value: ${JSON.stringify(goValue(patch))}: strict decoding error: ${found.join(", ")}`,
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

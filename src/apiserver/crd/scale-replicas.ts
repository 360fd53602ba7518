/**
 * A custom resource's replicas and label selector read through its CRD's scale paths, as
 * upstream's scaleFromCustomResource reads them (unstructured's NestedInt64 and NestedString):
 * a missing field reads as zero (or ""), a field of another type is an error in the words of
 * upstream's accessor, which, a plain error, answers 500 without a reason. A missing spec
 * replicas field is answered by the reads and writes of /scale (see missingSpecReplicas).
 */
import { ApiError, badRequest, unknownReason } from "../../api/index.ts"
import { goType, goValue } from "../go-format.ts"

/** Where a custom resource keeps its replicas and selector (its CRD's scale subresource). */
export interface ScalePaths {
  readonly specReplicasPath: string
  readonly statusReplicasPath: string
  readonly labelSelectorPath?: string | null
}

/** What a custom resource's scale paths hold: `spec` undefined where the field is missing. */
export interface CustomScaleFields {
  readonly spec: number | undefined
  readonly status: number
  readonly selector: string
}

/**
 * The spec replicas an update's old Scale has where the object lacks the field: upstream marks
 * it so (the smallest int32), and refuses a Scale still holding it (see emptySpecReplicas).
 */
export const INVALID_SPEC_REPLICAS = -2147483648

/** A scale path's field names (`.spec.replicas` → spec, replicas). */
export function fieldsOf(path: string | null | undefined): string[] {
  return (path ?? "").split(".").filter((s) => s !== "")
}

function jsonPath(fields: readonly string[]): string {
  return `.${fields.join(".")}`
}

function accessorError(fields: readonly string[], value: unknown, expected: string): ApiError {
  const what = `${goValue(value)} is of the type ${goType(value)}, expected ${expected}`
  return unknownReason(`${jsonPath(fields)} accessor error: ${what}`)
}

/**
 * The value at `fields` of `obj` and whether it was found (a missing or null map on the way
 * is not found). @throws ApiError (no reason) when one on the way is not a map
 */
function nested(obj: unknown, fields: readonly string[]): { value: unknown; found: boolean } {
  let value = obj
  for (let i = 0; i < fields.length; i++) {
    if (value === null || value === undefined) return { value: undefined, found: false }
    if (typeof value !== "object" || Array.isArray(value)) {
      throw accessorError(fields.slice(0, i + 1), value, "map[string]interface{}")
    }
    const m = value as Record<string, unknown>
    const field = fields[i] as string
    if (!Object.hasOwn(m, field)) return { value: undefined, found: false }
    value = m[field]
  }
  return { value, found: true }
}

function nestedInt(obj: unknown, path: string): number | undefined {
  const fields = fieldsOf(path)
  const { value, found } = nested(obj, fields)
  if (!found) return undefined
  if (!Number.isInteger(value)) throw accessorError(fields, value, "int64")
  return value as number
}

function nestedString(obj: unknown, path: string): string {
  const fields = fieldsOf(path)
  const { value, found } = nested(obj, fields)
  if (!found) return ""
  if (typeof value !== "string") throw accessorError(fields, value, "string")
  return value
}

/** The replicas and selector `obj` holds at `paths`. @throws ApiError (no reason) for a field of another type */
export function customScaleFields(obj: unknown, paths: ScalePaths): CustomScaleFields {
  const spec = nestedInt(obj, paths.specReplicasPath)
  const status = nestedInt(obj, paths.statusReplicasPath) ?? 0
  const selector = paths.labelSelectorPath ? nestedString(obj, paths.labelSelectorPath) : ""
  return { spec, status, selector }
}

/** A read of /scale of an object without its spec replicas field: upstream's internal error. */
export function missingSpecReplicas(path: string): ApiError {
  const message = `the spec replicas field ${JSON.stringify(path)} does not exist`
  return new ApiError("InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] })
}

/** A write of /scale that leaves a missing spec replicas field unset (INVALID_SPEC_REPLICAS). */
export function emptySpecReplicas(path: string): ApiError {
  return badRequest(`the spec replicas field ${JSON.stringify(path)} cannot be empty`)
}

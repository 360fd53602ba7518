/** What the strategic merge patch files share: directive names, JSON helpers, upstream's errors. */
import { type ApiError, unknownReason } from "../api/index.ts"
import { setKey } from "../util/index.ts"
import { goType, goValue } from "./go-format.ts"

/** The directive keys. */
export const DIRECTIVE = "$patch"
export const RETAIN_KEYS = "$retainKeys"
export const SET_ELEMENT_ORDER = "$setElementOrder"
export const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"

/** A decoded JSON object. */
export type JsonMap = Record<string, unknown>

/** True for a JSON object (not an array, not null). */
export function isMap(v: unknown): v is JsonMap {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

/** An error upstream does not map to a Status: a 500 carrying the bare message, without a reason. */
export function internal(message: string): ApiError {
  return unknownReason(message)
}

/** Upstream's 500 for a value of the wrong JSON type. */
export function badArgType(expected: string, actual: unknown): ApiError {
  return internal(`expected a ${expected}, but received a ${goType(actual)}`)
}

/** Upstream's 500 for a list element missing its merge key. */
export function noMergeKey(m: unknown, key: string): ApiError {
  return internal(`map: ${goValue(m)} does not contain declared merge key: ${key}`)
}

/** Upstream's 500 for an unknown `$patch` value. */
export function badPatchType(t: unknown, m: JsonMap): ApiError {
  return internal(`unknown patch type: ${goValue(t)} in map: ${goValue(m)}`)
}

/**
 * A patch value with its directives removed: maps holding `$patch` disappear, directive keys
 * and null members are dropped. undefined when the value itself disappears.
 */
export function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(stripDirectives).filter((v) => v !== undefined)
  }
  if (!isMap(value)) return value
  if (DIRECTIVE in value) return undefined
  const out: JsonMap = {}
  for (const [k, v] of Object.entries(value)) {
    if (v === null || isDirectiveKey(k)) continue
    const s = stripDirectives(v)
    if (s !== undefined) setKey(out, k, s)
  }
  return out
}

export function isDirectiveKey(k: string): boolean {
  return k === RETAIN_KEYS || k.startsWith(SET_ELEMENT_ORDER) || k.startsWith(DELETE_FROM_PRIMITIVE_LIST)
}

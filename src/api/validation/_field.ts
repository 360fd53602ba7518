/**
 * Private helpers of the validators: field paths printed as upstream prints them
 * (`spec.containers[0].image`, `data[key]`) and the few error shapes field-errors.ts lacks.
 */
import type { FieldError } from "../errors.ts"
import type { LabelSelector } from "kubernetes-types/meta/v1.js"
import { invalidShown, invalidValue } from "../field-errors.ts"
import { goLabelSelector } from "./go-values.ts"

/** `parent.a.b.c` (up to three names), or `a.b.c` at the root. */
export function child(parent: string, a: string, b?: string, c?: string): string {
  // Fixed parameters, not a rest one: validators call this for most fields of every write.
  let p = parent ? `${parent}.${a}` : a
  if (b !== undefined) p = p ? `${p}.${b}` : b
  if (c !== undefined) p = p ? `${p}.${c}` : c
  return p
}

/** `parent[i]`. */
export function index(parent: string, i: number): string {
  return `${parent}[${i}]`
}

/** `parent[key]`: map keys are printed unquoted, as upstream's field.Path does. */
export function key(parent: string, k: string): string {
  return `${parent}[${k}]`
}

/**
 * Adds to `errs` an `Invalid value` error at `field` for each of `msgs` (what a format check said
 * of `value`), as `errs.push(...msgs.map((m) => invalidValue(field, value, m)))` does, without the
 * closure and arrays that costs when `msgs` is empty (a valid value: most).
 */
export function pushInvalid(
  errs: FieldError[],
  field: string,
  value: unknown,
  msgs: readonly string[],
): void {
  for (let i = 0; i < msgs.length; i++) errs.push(invalidValue(field, value, msgs[i]!))
}

/** `field: Not found: "x"`. */
export function notFound(field: string, value: unknown): FieldError {
  return { type: "FieldValueNotFound", field, message: `Not found: ${JSON.stringify(value ?? null)}` }
}

/** `field: Not found: "x": detail`. */
export function notFoundDetail(field: string, value: unknown, detail: string): FieldError {
  return {
    type: "FieldValueNotFound",
    field,
    message: `Not found: ${JSON.stringify(value ?? null)}: ${detail}`,
  }
}

/** `field: Internal error: detail`. */
export function internalError(field: string, detail: string): FieldError {
  return { type: "InternalError", field, message: `Internal error: ${detail}` }
}

/** `field: Duplicate value: "x": detail` (taints carry a detail). */
export function duplicateDetail(field: string, value: unknown, detail: string): FieldError {
  return {
    type: "FieldValueDuplicate",
    field,
    message: `Duplicate value: ${JSON.stringify(value ?? null)}: ${detail}`,
  }
}

/** `field: Invalid value: X: field is immutable` when the value changed. */
export function immutable(field: string, value: unknown, old: unknown): FieldError[] {
  return deepEqual(value, old) ? [] : [invalidValue(field, value ?? null, "field is immutable")]
}

/** `field: Invalid value: v1.LabelSelector{...}: field is immutable` when the selector changed. */
export function immutableSelector(
  field: string,
  value: LabelSelector | undefined | null,
  old: LabelSelector | undefined | null,
): FieldError[] {
  return deepEqual(value, old) ? [] : [invalidShown(field, goLabelSelector(value), "field is immutable")]
}

function isNil(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0)
}

/**
 * Structural equality of JSON values, semantic as upstream's: absent, null and an empty
 * list are all Go's nil slice.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b)
  if (typeof a !== "object" || typeof b !== "object") return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]))
  }
  const ao = a as Record<string, unknown>
  const bo = b as Record<string, unknown>
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)])
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false
  return true
}

/** `must be greater than or equal to 0` on a negative number. */
export function nonNegative(field: string, value: number | undefined): FieldError[] {
  return value !== undefined && value < 0
    ? [invalidValue(field, value, "must be greater than or equal to 0")]
    : []
}

/** Object entries of an optional string map. */
export function entries<T>(m: Readonly<Record<string, T>> | undefined | null): [string, T][] {
  return m && typeof m === "object" ? Object.entries(m) : []
}

/** An optional array as an array. */
export function list<T>(a: readonly T[] | undefined | null): readonly T[] {
  return Array.isArray(a) ? a : []
}

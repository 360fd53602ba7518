/** Builders for FieldError values, with upstream's message shapes. */
import type { FieldError } from "./errors.ts"

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value ?? null)
}

/** `field: Required value`. */
export function required(field: string, detail?: string): FieldError {
  return {
    type: "FieldValueRequired",
    field,
    message: detail ? `Required value: ${detail}` : "Required value",
  }
}

/** `field: Invalid value: "x": detail`. */
export function invalidValue(field: string, value: unknown, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, message: `Invalid value: ${show(value)}: ${detail}` }
}

/** `field: Invalid value: <shown>: detail`, the value already printed as upstream prints it. */
export function invalidShown(field: string, shown: string, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, message: `Invalid value: ${shown}: ${detail}` }
}

/** `field: Unsupported value: "x": supported values: "a", "b"`. */
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(", ")
  return {
    type: "FieldValueNotSupported",
    field,
    message: `Unsupported value: ${show(value)}: supported values: ${list}`,
  }
}

/** `field: Duplicate value: "x"`. */
export function duplicate(field: string, value: unknown): FieldError {
  return { type: "FieldValueDuplicate", field, message: `Duplicate value: ${show(value)}` }
}

/** `field: Forbidden: detail`. */
export function forbidden(field: string, detail: string): FieldError {
  return { type: "FieldValueForbidden", field, message: `Forbidden: ${detail}` }
}

/** `field: Too long: may not be more than N bytes`. */
export function tooLong(field: string, max: number): FieldError {
  return { type: "FieldValueTooLong", field, message: `Too long: may not be more than ${max} bytes` }
}

/** `field: Too many: N: must have at most M items`. */
export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: "FieldValueTooMany", field, message: `Too many: ${actual}: must have at most ${max} items` }
}

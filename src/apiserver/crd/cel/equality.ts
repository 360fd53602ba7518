/**
 * CEL's equality of runtime values, for the kinds the validation rules add: objects of a schema
 * (Map subclasses keyed by their CEL field names), quantities, IPs, CIDRs and URLs. Numbers
 * compare across int, uint and double as CEL's heterogeneous equality does.
 */
import { Duration, UnsignedInt } from "@marcbachmann/cel-js/evaluator"

/** A value that knows when it equals another of its kind. */
export interface CelComparable {
  equals(other: unknown): boolean
}

function isComparable(v: unknown): v is CelComparable {
  return typeof v === "object" && v !== null && typeof (v as Partial<CelComparable>).equals === "function"
}

function numeric(v: unknown): number | bigint | undefined {
  if (typeof v === "bigint" || typeof v === "number") return v
  if (v instanceof UnsignedInt) return v.valueOf()
  return undefined
}

function numbersEqual(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === typeof b) return a === b
  // An int and a double are equal when the double is that whole number.
  const d = typeof a === "number" ? a : (b as number)
  const i = typeof a === "bigint" ? a : (b as bigint)
  return Number.isInteger(d) && BigInt(d) === i
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

function entriesOf(v: object): Map<unknown, unknown> | undefined {
  if (v instanceof Map) return v
  if (Array.isArray(v)) return undefined
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null ? new Map(Object.entries(v)) : undefined
}

function mapsEqual(a: Map<unknown, unknown>, b: Map<unknown, unknown>): boolean {
  if (a.size !== b.size) return false
  for (const [k, v] of a) {
    if (!b.has(k) || !celEquals(v, b.get(k))) return false
  }
  return true
}

/** Equality of two objects of a kind with its own notion of it (bytes, time, comparables). */
function specialEquals(a: object, b: object): boolean | undefined {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return bytesEqual(a, b)
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (a instanceof Duration && b instanceof Duration) return a.seconds === b.seconds && a.nanos === b.nanos
  if (isComparable(a)) return a.equals(b)
  return undefined
}

function collectionsEqual(a: object, b: object): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => celEquals(v, b[i]))
    )
  }
  // Objects of a schema type equal only objects of the same type; maps equal maps.
  if (a instanceof Map && b instanceof Map && a.constructor !== b.constructor) return false
  const m = entriesOf(a)
  const n = entriesOf(b)
  return !!m && !!n && mapsEqual(m, n)
}

/** CEL's `==` of two runtime values. */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== "number" || !Number.isNaN(a)
  const x = numeric(a)
  const y = numeric(b)
  if (x !== undefined || y !== undefined) return x !== undefined && y !== undefined && numbersEqual(x, y)
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  return specialEquals(a, b) ?? collectionsEqual(a, b)
}

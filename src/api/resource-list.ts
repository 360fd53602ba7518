/**
 * Arithmetic on resource lists (`{ cpu: "500m", pods: "3" }`), as upstream's quota helpers:
 * add, subtract, mask, compare against hard limits and print `pods=1,cpu=500m`.
 */
import { parseQuantity, type Quantity, quantityString } from "./quantity.ts"

/** A parsed resource list: resource name → quantity. */
export type Amounts = Record<string, Quantity>

const ZERO: Quantity = { nano: 0n, format: "DecimalSI" }

/** Parses a ResourceList; entries that are not quantities are left out. */
export function amountsOf(list: Readonly<Record<string, unknown>> | undefined): Amounts {
  const out: Amounts = {}
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = parseQuantity(v)
    if (q) out[k] = q
  }
  return out
}

/** The ResourceList form of `a`, each quantity in upstream's canonical form. */
export function listOf(a: Amounts): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of Object.keys(a).sort()) out[k] = quantityString(a[k] as Quantity)
  return out
}

/** a + b; a zero takes the other's format, as upstream's Quantity.Add. */
export function sumQuantity(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano + b.nano, format: a.nano === 0n ? b.format : a.format }
}

/** Every resource of a or b, summed where both have it. */
export function addAmounts(a: Amounts, b: Amounts): Amounts {
  const out: Amounts = { ...a }
  for (const [k, v] of Object.entries(b)) out[k] = sumQuantity(out[k] ?? ZERO, v)
  return out
}

/** a - b per resource of a, never below zero. */
export function subtractNonNegative(a: Amounts, b: Amounts): Amounts {
  const out: Amounts = {}
  for (const [k, v] of Object.entries(a)) {
    const other = b[k]
    const nano = other ? v.nano - other.nano : v.nano
    out[k] = { nano: nano < 0n ? 0n : nano, format: v.format }
  }
  return out
}

/** The element-wise maximum of a and b. */
export function maxAmounts(a: Amounts, b: Amounts): Amounts {
  const out: Amounts = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k]
    if (!cur || v.nano > cur.nano) out[k] = v
  }
  return out
}

/** Only the resources of `a` named in `names`. */
export function maskAmounts(a: Amounts, names: Iterable<string>): Amounts {
  const out: Amounts = {}
  for (const k of names) {
    const v = a[k]
    if (v) out[k] = v
  }
  return out
}

/** `a` without its zero entries. */
export function removeZeros(a: Amounts): Amounts {
  const out: Amounts = {}
  for (const [k, v] of Object.entries(a)) if (v.nano !== 0n) out[k] = v
  return out
}

/** The resources of `a` that are above their limit in `hard` (those `hard` lacks never are). */
export function exceededResources(a: Amounts, hard: Amounts): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries(a)) {
    const h = hard[k]
    if (h && v.nano > h.nano) out.push(k)
  }
  return out.sort()
}

/** True when both name the same resources with equal values. */
export function amountsEqual(a: Amounts, b: Amounts): boolean {
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every((k) => b[k] !== undefined && b[k].nano === (a[k] as Quantity).nano)
}

/** `cpu=500m,pods=1`: sorted by name, as upstream's quota messages print lists. */
export function printAmounts(a: Amounts): string {
  return Object.keys(a)
    .sort()
    .map((k) => `${k}=${quantityString(a[k] as Quantity)}`)
    .join(",")
}

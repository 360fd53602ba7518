/**
 * Kubernetes' quantity library: `quantity(<string>)`, `isQuantity`, `sign`, comparisons
 * (isGreaterThan, isLessThan, compareTo), `asInteger`, `isInteger`, `asApproximateFloat`, and
 * `add`/`sub` of a quantity or an int. Values are resource.Quantity's, parsed by api/quantity.
 */
import type { Environment } from "@marcbachmann/cel-js"
import { type Quantity, compareQuantity, parseQuantity } from "../../../api/index.ts"
import type { CelComparable } from "./equality.ts"

const NANO = 1_000_000_000n
const MAX_INT = (1n << 63n) - 1n
const MIN_INT = -(1n << 63n)
const QUANTITY_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

/** A resource.Quantity as a CEL value. */
export class CelQuantity implements CelComparable {
  readonly celType = "kubernetes.Quantity"
  constructor(readonly q: Quantity) {}

  equals(other: unknown): boolean {
    return other instanceof CelQuantity && compareQuantity(this.q, other.q) === 0
  }
}

function quantity(s: string): CelQuantity {
  const q = s === s.trim() ? parseQuantity(s) : undefined
  if (!q) throw new Error(QUANTITY_ERROR)
  return new CelQuantity(q)
}

function plus(a: CelQuantity, nano: bigint): CelQuantity {
  return new CelQuantity({ nano: a.q.nano + nano, format: a.q.format })
}

function asInteger(a: CelQuantity): bigint {
  const whole = a.q.nano / NANO
  if (a.q.nano % NANO !== 0n || whole > MAX_INT || whole < MIN_INT)
    throw new Error("cannot convert value to integer")
  return whole
}

/** Adds the Quantity type and functions to `env`. */
export function registerQuantity(env: Environment): void {
  const Q = "kubernetes.Quantity"
  env
    .registerType(Q, { ctor: CelQuantity, fields: {} })
    .registerFunction(`quantity(string): ${Q}`, quantity)
    .registerFunction(
      "isQuantity(string): bool",
      (s: string) => s === s.trim() && parseQuantity(s) !== undefined,
    )
    .registerFunction(`sign(${Q}): int`, (a: CelQuantity) =>
      BigInt(compareQuantity(a.q, { nano: 0n, format: "DecimalSI" })),
    )
    .registerFunction(
      `${Q}.isGreaterThan(${Q}): bool`,
      (a: CelQuantity, b: CelQuantity) => compareQuantity(a.q, b.q) > 0,
    )
    .registerFunction(
      `${Q}.isLessThan(${Q}): bool`,
      (a: CelQuantity, b: CelQuantity) => compareQuantity(a.q, b.q) < 0,
    )
    .registerFunction(`${Q}.compareTo(${Q}): int`, (a: CelQuantity, b: CelQuantity) =>
      BigInt(compareQuantity(a.q, b.q)),
    )
    .registerFunction(`${Q}.asApproximateFloat(): double`, (a: CelQuantity) => Number(a.q.nano) / 1e9)
    .registerFunction(`${Q}.asInteger(): int`, asInteger)
    .registerFunction(`${Q}.isInteger(): bool`, (a: CelQuantity) => {
      const whole = a.q.nano / NANO
      return a.q.nano % NANO === 0n && whole <= MAX_INT && whole >= MIN_INT
    })
    .registerFunction(`${Q}.add(${Q}): ${Q}`, (a: CelQuantity, b: CelQuantity) => plus(a, b.q.nano))
    .registerFunction(`${Q}.add(int): ${Q}`, (a: CelQuantity, n: bigint) => plus(a, n * NANO))
    .registerFunction(`${Q}.sub(${Q}): ${Q}`, (a: CelQuantity, b: CelQuantity) => plus(a, -b.q.nano))
    .registerFunction(`${Q}.sub(int): ${Q}`, (a: CelQuantity, n: bigint) => plus(a, -n * NANO))
    .registerOperator(`${Q} == ${Q}`, (a: CelQuantity, b: CelQuantity) => a.equals(b))
}

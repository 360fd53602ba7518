/**
 * resource.Quantity: parse, compare, sign, upstream's canonical string, and the integer views
 * the scheduler and kubelet count with (milli-units for cpu, units for memory). Values keep
 * nano precision (finer digits round up, as upstream does).
 */

/** How the quantity was written, which decides how it prints. */
type Format = "DecimalSI" | "BinarySI" | "DecimalExponent"

/** A parsed quantity: `nano` is the value times 10^9. */
export interface Quantity {
  readonly nano: bigint
  readonly format: Format
}

const NANO = 1_000_000_000n
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 }
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 }
const DECIMAL_SUFFIX: Record<number, string> = Object.fromEntries(
  Object.entries(DECIMAL).map(([s, e]) => [e, s]),
)
const BINARY_SUFFIX = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
const QUANTITY_RE = /^([+-]?)([0-9]*\.?[0-9]*)([eEinumkKMGTP]*[-+]?[0-9]*)$/

function pow10(n: number): bigint {
  return 10n ** BigInt(n)
}

function parseSuffix(suffix: string): { format: Format; exp10: number; mult: bigint } | undefined {
  if (suffix in BINARY) return { format: "BinarySI", exp10: 0, mult: 1024n ** BigInt(BINARY[suffix] ?? 0) }
  if (suffix in DECIMAL) return { format: "DecimalSI", exp10: DECIMAL[suffix] ?? 0, mult: 1n }
  if (/^[eE][-+]?[0-9]+$/.test(suffix))
    return { format: "DecimalExponent", exp10: Number(suffix.slice(1)), mult: 1n }
  return undefined
}

/** Parses `500m`, `1Gi`, `1e3` or a JSON number; undefined when not a quantity. */
export function parseQuantity(input: unknown): Quantity | undefined {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return undefined
    input = String(input)
  }
  if (typeof input !== "string") return undefined
  if (input.length > RECENT_MAX_LENGTH) return parse(input)
  // The same few strings ("100m", "64Mi") come again and again; a Quantity is never changed.
  let q = recent.get(input)
  if (q === undefined) {
    q = parse(input) ?? null
    if (recent.size >= RECENT_MAX) recent.clear()
    recent.set(input, q)
  }
  return q ?? undefined
}

/** Quantities parsed lately, by their text (null: not a quantity). */
const recent = new Map<string, Quantity | null>()
const RECENT_MAX = 4096
const RECENT_MAX_LENGTH = 64

function parse(input: string): Quantity | undefined {
  const m = QUANTITY_RE.exec(input.trim())
  if (!m) return undefined
  const [, sign = "", num = "", suffix = ""] = m
  if (num === "" || num === "." || !/[0-9]/.test(num)) return undefined
  const parsed = parseSuffix(suffix)
  if (!parsed) return undefined
  const { format, exp10, mult } = parsed
  const [whole = "", frac = ""] = num.split(".")
  // value = digits * 10^(exp10 - frac.length) * mult, in nano units
  const digits = BigInt((whole || "0") + frac) * mult
  const scale = exp10 - frac.length + 9
  let nano: bigint
  if (scale >= 0) nano = digits * pow10(scale)
  else {
    const div = pow10(-scale)
    nano = digits / div + (digits % div === 0n ? 0n : 1n)
  }
  return { nano: sign === "-" ? -nano : nano, format }
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantity(a: Quantity, b: Quantity): number {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0
}

/** True when the quantity is a whole number (no milli or finer part). */
export function isWholeQuantity(q: Quantity): boolean {
  return q.nano % NANO === 0n
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n
}

/** Canonical strings worked out, by quantity (the parsed ones are shared: see `recent`). */
const canonical = new WeakMap<Quantity, string>()

/** Upstream's canonical form: `500m`, `1536Mi`, `2k`, `0`. */
export function quantityString(q: Quantity): string {
  let s = canonical.get(q)
  if (s === undefined) canonical.set(q, (s = canonicalString(q)))
  return s
}

function canonicalString(q: Quantity): string {
  if (q.nano === 0n) return "0"
  const sign = q.nano < 0n ? "-" : ""
  let mag = abs(q.nano)
  const whole = mag % NANO === 0n
  if (q.format === "BinarySI" && whole && mag >= 1024n * NANO) {
    let units = mag / NANO
    let k = 0
    while (units % 1024n === 0n && k < BINARY_SUFFIX.length - 1) {
      units /= 1024n
      k++
    }
    return `${sign}${units}${BINARY_SUFFIX[k]}`
  }
  // Strip trailing zeros, then lower the exponent to a multiple of three
  let exp = -9
  while (mag % 10n === 0n) {
    mag /= 10n
    exp++
  }
  const rem = ((exp % 3) + 3) % 3
  mag *= pow10(rem)
  exp -= rem
  if (q.format === "DecimalExponent") return `${sign}${mag}${exp === 0 ? "" : `e${exp}`}`
  const suffix = DECIMAL_SUFFIX[exp]
  return suffix !== undefined ? `${sign}${mag}${suffix}` : `${sign}${mag}e${exp}`
}

/** The value in thousandths, rounded up (cpu: `250m` → 250, `1` → 1000); 0 when unparsable. */
export function milliValue(input: unknown): number {
  const q = parseQuantity(input)
  if (!q) return 0
  const m = q.nano / 1_000_000n + (q.nano % 1_000_000n > 0n ? 1n : 0n)
  return Number(m)
}

/** The value in whole units, rounded up (memory: `1Ki` → 1024, `500m` → 1); 0 when unparsable. */
export function unitValue(input: unknown): number {
  const q = parseQuantity(input)
  if (!q) return 0
  return Number(q.nano / NANO + (q.nano % NANO > 0n ? 1n : 0n))
}

/** A quantity from whole units, in DecimalSI (`3`, `2k`) or BinarySI (`1Gi`) form. */
export function quantityOf(units: number, format: "DecimalSI" | "BinarySI" = "DecimalSI"): string {
  return quantityString({ nano: BigInt(Math.round(units)) * NANO, format })
}

/** A quantity from thousandths (`250` → `250m`, `2000` → `2`). */
export function quantityOfMilli(milli: number): string {
  return quantityString({ nano: BigInt(Math.round(milli)) * 1_000_000n, format: "DecimalSI" })
}

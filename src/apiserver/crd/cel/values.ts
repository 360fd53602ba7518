/**
 * JSON values of a custom resource as CEL sees them under their schema's types: integers as
 * int (bigint), numbers as double, formatted strings as bytes, durations and timestamps, lists,
 * maps (Map) and objects (the type's Map class, holding only the fields the type has). A
 * formatted string that does not parse stays a string, so using it fails the rule as upstream's
 * conversion error would. Objects and lists convert once per validation.
 */
import { Duration } from "@marcbachmann/cel-js/evaluator"
import { isPlainObject } from "../../../api/index.ts"
import type { DeclType } from "./decl-types.ts"

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
}

/** A duration string as the OpenAPI `duration` format takes it (Go's, plus d and w), in nanoseconds. */
export function parseDurationNanos(s: string): bigint | undefined {
  const m = /^([-+]?)((?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h|d|w))+)$/.exec(s.trim())
  if (!m) return s.trim() === "0" ? 0n : undefined
  let total = 0n
  for (const [, num = "", unit = ""] of (m[2] ?? "").matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h|d|w)/g)) {
    const [whole = "0", frac = ""] = num.split(".")
    const per = UNITS[unit] ?? 0n
    const scale = 10n ** BigInt(frac.length)
    total += BigInt(whole || "0") * per + (BigInt(frac || "0") * per) / scale
  }
  return m[1] === "-" ? -total : total
}

function duration(s: string): Duration | string {
  const nanos = parseDurationNanos(s)
  if (nanos === undefined) return s
  return new Duration(nanos / 1_000_000_000n, Number(nanos % 1_000_000_000n))
}

function timestamp(s: string): Date | string {
  const ok = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$/.test(s)
  const t = ok ? new Date(s.length === 10 ? `${s}T00:00:00Z` : s) : undefined
  return t && !Number.isNaN(t.getTime()) ? t : s
}

function scalar(format: "bytes" | "duration" | "timestamp" | undefined, name: string, v: unknown): unknown {
  if (typeof v === "number") return name === "int" && Number.isInteger(v) ? BigInt(v) : v
  if (typeof v !== "string") return v
  switch (format) {
    case "bytes":
      return new Uint8Array(Buffer.from(v, "base64"))
    case "duration":
      return duration(v)
    case "timestamp":
      return timestamp(v)
  }
  return v
}

/** Converts JSON values to CEL values, reusing what it converted before. */
export class CelValues {
  readonly #seen = new WeakMap<object, Map<DeclType, unknown>>()

  /** `v` under type `t`; null stays null. */
  of(t: DeclType, v: unknown): unknown {
    if (v === null || v === undefined) return null
    if (t.kind === "scalar") return scalar(t.format, t.name, v)
    if (t.kind === "dyn") return typeof v === "number" && Number.isInteger(v) ? BigInt(v) : v
    if (typeof v !== "object") return v
    let byType = this.#seen.get(v)
    const known = byType?.get(t)
    if (known !== undefined) return known
    const out = this.#convert(t, v)
    if (!byType) this.#seen.set(v, (byType = new Map()))
    byType.set(t, out)
    return out
  }

  #convert(t: Exclude<DeclType, { kind: "scalar" | "dyn" }>, v: object): unknown {
    if (t.kind === "list") return Array.isArray(v) ? v.map((e) => this.of(t.elem, e)) : v
    if (!isPlainObject(v)) return v
    if (t.kind === "map") return new Map(Object.entries(v).map(([k, e]) => [k, this.of(t.elem, e)]))
    const obj = new t.ctor()
    for (const [k, f] of t.fields) {
      const e = v[k]
      if (e !== undefined) obj.set(f.celName, this.of(f.type, e))
    }
    return obj
  }
}

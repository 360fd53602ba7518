/**
 * The parts of cel-go's strings extension (version 2, as Kubernetes' base environment has it)
 * that the CEL library lacks: charAt, replace, format and strings.quote. indexOf, lastIndexOf,
 * lowerAscii, upperAscii, split, substring, trim and join are the library's own.
 */
import type { Environment } from "@marcbachmann/cel-js"
import { Duration, UnsignedInt } from "@marcbachmann/cel-js/evaluator"
import { typeNameOf } from "./type-names.ts"

function charAt(s: string, index: bigint): string {
  const runes = [...s]
  const i = Number(index)
  if (i < 0 || i > runes.length) throw new Error(`index out of range: ${index}`)
  return runes[i] ?? ""
}

/** Go's strings.Replace: at most `n` replacements (all when negative). */
export function goReplace(s: string, old: string, by: string, n: number): string {
  if (n === 0 || old === by) return s
  if (old === "") {
    const runes = [...s]
    let out = ""
    for (let i = 0; i <= runes.length; i++) {
      if (n < 0 || i < n) out += by
      out += runes[i] ?? ""
    }
    return out
  }
  let out = ""
  let from = 0
  for (let done = 0; n < 0 || done < n; done++) {
    const at = s.indexOf(old, from)
    if (at < 0) break
    out += s.slice(from, at) + by
    from = at + old.length
  }
  return out + s.slice(from)
}

const QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
  '"': '\\"',
}

function quote(s: string): string {
  let out = '"'
  for (const ch of s) out += QUOTE_ESCAPES[ch] ?? ch
  return `${out}"`
}

function formatDouble(d: number): string {
  if (Number.isNaN(d)) return "NaN"
  if (!Number.isFinite(d)) return d > 0 ? "Infinity" : "-Infinity"
  return String(d)
}

function formatTimestamp(t: Date): string {
  return t.toISOString().replace(".000Z", "Z")
}

/** A value as format's %s clause prints it. */
function formatString(v: unknown, nested = false): string {
  if (typeof v === "string") return nested ? quote(v) : v
  if (typeof v === "bigint" || typeof v === "boolean" || v instanceof UnsignedInt) return String(v)
  if (typeof v === "number") return formatDouble(v)
  if (v === null || v === undefined) return "null"
  if (v instanceof Uint8Array)
    return nested ? `b${quote(Buffer.from(v).toString())}` : Buffer.from(v).toString()
  if (v instanceof Date) return formatTimestamp(v)
  if (v instanceof Duration) return v.toString()
  if (Array.isArray(v)) return `[${v.map((e) => formatString(e, true)).join(", ")}]`
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, e]) => [formatString(k, true), formatString(e, true)])
    entries.sort((a, b) => ((a[0] ?? "") < (b[0] ?? "") ? -1 : 1))
    return `{${entries.map(([k, e]) => `${k}: ${e}`).join(", ")}}`
  }
  if (typeof v === "object" && v.constructor === Object)
    return formatString(new Map(Object.entries(v)), nested)
  return String(v)
}

function clauseError(what: string, v: unknown): Error {
  return new Error(`error during formatting: ${what}, was given ${typeNameOf(v)}`)
}

function integerOf(v: unknown, clause: string): bigint {
  if (typeof v === "bigint") return v
  if (v instanceof UnsignedInt) return v.valueOf()
  throw clauseError(`${clause} clause can only be used on integers`, v)
}

function fixed(v: unknown, precision: number, exponent: boolean): string {
  const clause = exponent ? "scientific" : "fixed-point"
  let d: number
  if (typeof v === "number") d = v
  else if (typeof v === "bigint" || v instanceof UnsignedInt) d = Number(v)
  else throw clauseError(`${clause} clause can only be used on doubles`, v)
  if (!Number.isFinite(d)) return formatDouble(d)
  if (!exponent) return d.toFixed(precision)
  const [mantissa = "", exp = "0"] = d.toExponential(precision).split("e")
  const n = Number(exp)
  return `${mantissa}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`
}

function radix(v: unknown, base: number, clause: string, upper = false): string {
  if (base === 16 && typeof v === "string") return Buffer.from(v).toString("hex")
  if (base === 16 && v instanceof Uint8Array) {
    const hex = Buffer.from(v).toString("hex")
    return upper ? hex.toUpperCase() : hex
  }
  if (base === 2 && typeof v === "boolean") return v ? "1" : "0"
  const n = integerOf(v, clause)
  const s = (n < 0n ? "-" : "") + (n < 0n ? -n : n).toString(base)
  return upper ? s.toUpperCase() : s
}

function formatClause(clause: string, precision: number | undefined, v: unknown): string {
  switch (clause) {
    case "s":
      return formatString(v)
    case "d":
      if (typeof v === "number" && !Number.isFinite(v)) return formatDouble(v)
      return String(integerOf(v, "decimal"))
    case "f":
      return fixed(v, precision ?? 6, false)
    case "e":
      return fixed(v, precision ?? 6, true)
    case "b":
      if (typeof v !== "bigint" && typeof v !== "boolean" && !(v instanceof UnsignedInt))
        throw clauseError("only integers and bools can be formatted as binary", v)
      return radix(v, 2, "binary")
    case "o":
      return radix(v, 8, "octal")
    case "x":
    case "X":
      if (typeof v === "number" || v === null || typeof v === "boolean")
        throw clauseError("only integers, byte buffers, and strings can be formatted as hex", v)
      return radix(v, 16, "hex", clause === "X")
    default:
      throw new Error(`could not parse formatting clause: unrecognized formatting clause "${clause}"`)
  }
}

/** cel-go's `<string>.format(<list>)`: %s %d %f %e %b %o %x %X and %%, with a precision for %f and %e. */
export function celFormat(format: string, args: readonly unknown[]): string {
  let out = ""
  let next = 0
  const clause = /%(?:\.(\d+))?([a-zA-Z%])?/y
  for (let i = 0; i < format.length;) {
    const at = format.indexOf("%", i)
    if (at < 0) {
      out += format.slice(i)
      break
    }
    out += format.slice(i, at)
    clause.lastIndex = at
    const m = clause.exec(format)
    const verb = m?.[2]
    if (!m || !verb) throw new Error("could not parse formatting clause: unexpected end of string")
    i = clause.lastIndex
    if (verb === "%") {
      out += "%"
      continue
    }
    if (next >= args.length) throw new Error(`index ${next} out of range`)
    out += formatClause(verb, m[1] === undefined ? undefined : Number(m[1]), args[next++])
  }
  return out
}

/** Namespace of strings.quote. */
class StringsNamespace {}

/** Adds the strings extension's missing functions to `env`. */
export function registerStrings(env: Environment): void {
  env
    .registerFunction("string.charAt(int): string", charAt)
    .registerFunction("string.replace(string, string): string", (s: string, a: string, b: string) =>
      goReplace(s, a, b, -1),
    )
    .registerFunction(
      "string.replace(string, string, int): string",
      (s: string, a: string, b: string, n: bigint) => goReplace(s, a, b, Number(n)),
    )
    .registerFunction("string.format(list): string", (s: string, args: unknown[]) => celFormat(s, args))
    .registerType("StringsNamespace", StringsNamespace)
    .registerConstant("strings", "StringsNamespace", new StringsNamespace())
    .registerFunction("StringsNamespace.quote(string): string", (_ns: StringsNamespace, s: string) =>
      quote(s),
    )
}

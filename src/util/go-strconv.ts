/**
 * Go's strconv as error messages and metrics show it: `%q` quoting, the decimal integer parsers
 * with the text of their NumError (`strconv.ParseInt: parsing "x": invalid syntax`), and the
 * shortest float format.
 */

const GO_ESCAPES: Readonly<Record<string, string>> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  '"': '\\"',
  "\\": "\\\\",
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/**
 * Go's `%q` of a string: printable characters kept, the others escaped (`\n`, `\x01`, `\u0081`,
 * `\u2028`, `\U000e0001`).
 */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0) as number
    const esc = GO_ESCAPES[ch]
    if (esc) out += esc
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`
    else if (PRINTABLE.test(ch)) out += ch
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`
    else out += `\\U${code.toString(16).padStart(8, "0")}`
  }
  return `${out}"`
}

/** A parsed integer, or the message of the error Go's parser returns for the text. */
export type GoParsed = { readonly value: bigint; readonly error?: undefined } | { readonly error: string }

const MAX_UINT64 = (1n << 64n) - 1n
const MAX_INT64 = (1n << 63n) - 1n

function numError(fn: string, s: string, why: "invalid syntax" | "value out of range"): GoParsed {
  return { error: `strconv.${fn}: parsing ${goQuote(s)}: ${why}` }
}

/**
 * Scans unsigned decimal digits as Go does, byte by byte: a non-digit is a syntax error, and
 * the first digit that takes the value past `max` a range error (so "99…9x" is out of range).
 */
function scanDigits(s: string): bigint | "invalid syntax" | "value out of range" {
  if (s === "") return "invalid syntax"
  let n = 0n
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return "invalid syntax"
    n = n * 10n + BigInt(c - 48)
    if (n > MAX_UINT64) return "value out of range"
  }
  return n
}

/** strconv.ParseUint(s, 10, 64). */
export function goParseUint(s: string): GoParsed {
  const n = scanDigits(s)
  return typeof n === "bigint" ? { value: n } : numError("ParseUint", s, n)
}

/** strconv.ParseInt(s, 10, 64): an optional sign, then digits. */
export function goParseInt(s: string): GoParsed {
  if (s === "") return numError("ParseInt", s, "invalid syntax")
  const neg = s[0] === "-"
  const n = scanDigits(s[0] === "+" || neg ? s.slice(1) : s)
  if (n === "invalid syntax") return numError("ParseInt", s, n)
  if (n === "value out of range" || n > (neg ? MAX_INT64 + 1n : MAX_INT64))
    return numError("ParseInt", s, "value out of range")
  return { value: neg ? -n : n }
}

/**
 * strconv.FormatFloat(f, 'g', -1, 64): the shortest digits that read back as `f`, in %e form
 * when the decimal exponent is below -4 or at least 6 (`1.234567e+06`, `1e-05`), else in %f form
 * (`123456`, `0.0001`); `+Inf`, `-Inf`, `NaN`.
 */
export function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN"
  if (f === Infinity) return "+Inf"
  if (f === -Infinity) return "-Inf"
  if (f === 0) return Object.is(f, -0) ? "-0" : "0"
  const sign = f < 0 ? "-" : ""
  // JS's shortest round-trip digits are Go's: d.ddd and the exponent of the first digit.
  const [mantissa = "", expText = "0"] = Math.abs(f).toExponential().split("e")
  const digits = mantissa.replace(".", "")
  const exp = Number(expText)
  if (exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : ""
    const abs = Math.abs(exp)
    return `${sign}${digits[0]}${frac}e${exp < 0 ? "-" : "+"}${abs < 10 ? `0${abs}` : abs}`
  }
  // %f with as many fraction digits as the digits past the point need.
  const point = exp + 1
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

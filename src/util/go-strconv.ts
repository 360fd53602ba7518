/**
 * Go's strconv as error messages show it: `%q` quoting, and the decimal integer parsers with
 * the text of their NumError (`strconv.ParseInt: parsing "x": invalid syntax`).
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

/** Go's `%q` of a string (printable characters kept, others escaped). */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0) as number
    const esc = GO_ESCAPES[ch]
    if (esc) out += esc
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`
    else out += ch
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

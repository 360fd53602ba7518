/**
 * Go's time.Parse with the RFC 3339 layout, as query parameters of type metav1.Time are read
 * (`sinceTime`), with the text of Go's ParseError for what it refuses.
 */
import { goQuote } from "./go-strconv.ts"

const RFC3339 = "2006-01-02T15:04:05Z07:00"

/** The time in ms since the epoch, or the message of Go's error. */
export type GoTime = { readonly ms: number; readonly error?: undefined } | { readonly error: string }

/** The layout's parts in order: a literal to match, or a field of so many digits. */
const PARTS: readonly (readonly [literal: string, field: string, digits: number])[] = [
  ["", "2006", 4],
  ["-", "01", 2],
  ["-", "02", 2],
  ["T", "15", 2],
  [":", "04", 2],
  [":", "05", 2],
]

const RANGES: Readonly<Record<string, readonly [number, number, string]>> = {
  "01": [1, 12, "month"],
  "15": [0, 23, "hour"],
  "04": [0, 59, "minute"],
  "05": [0, 59, "second"],
}

function cannotParse(value: string, rest: string, element: string): GoTime {
  return {
    error: `parsing time ${goQuote(value)} as ${goQuote(RFC3339)}: cannot parse ${goQuote(rest)} as ${goQuote(element)}`,
  }
}

function outOfRange(value: string, what: string): GoTime {
  return { error: `parsing time ${goQuote(value)}: ${what} out of range` }
}

function digits(s: string, n: number): number | undefined {
  if (s.length < n) return undefined
  let v = 0
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) return undefined
    v = v * 10 + c
  }
  return v
}

/** time.Parse(time.RFC3339, value). */
export function goParseRfc3339(value: string): GoTime {
  let rest = value
  const fields: number[] = []
  for (const [literal, field, n] of PARTS) {
    if (!rest.startsWith(literal)) return cannotParse(value, rest, literal)
    rest = rest.slice(literal.length)
    const v = digits(rest, n)
    if (v === undefined) return cannotParse(value, rest, field)
    const range = RANGES[field]
    if (range && (v < range[0] || v > range[1])) return outOfRange(value, range[2])
    fields.push(v)
    rest = rest.slice(n)
  }
  // Go takes a fraction of a second after the seconds even where the layout has none.
  let fractionMs = 0
  const fraction = /^[.,](\d+)/.exec(rest)
  if (fraction) {
    fractionMs = Number(`0.${fraction[1]}`) * 1000
    rest = rest.slice(fraction[0].length)
  }
  let offsetMin = 0
  if (rest.startsWith("Z")) rest = rest.slice(1)
  else {
    const zone = /^([+-])(\d\d):(\d\d)/.exec(rest)
    if (!zone) return cannotParse(value, rest, "Z07:00")
    const hh = Number(zone[2])
    const mm = Number(zone[3])
    if (hh > 24) return outOfRange(value, "time zone offset hour")
    if (mm > 60) return outOfRange(value, "time zone offset minute")
    offsetMin = (zone[1] === "-" ? -1 : 1) * (hh * 60 + mm)
    rest = rest.slice(zone[0].length)
  }
  if (rest !== "") return { error: `parsing time ${goQuote(value)}: extra text: ${goQuote(rest)}` }
  const [year, month, day, hour, minute, second] = fields as [number, number, number, number, number, number]
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (day < 1 || day > daysInMonth) return outOfRange(value, "day")
  const utc = Date.UTC(year, month - 1, day, hour, minute, second)
  // Date.UTC maps years 0-99 to 1900-1999; Go does not.
  const ms = year < 100 ? new Date(utc).setUTCFullYear(year) : utc
  return { ms: ms + fractionMs - offsetMin * 60_000 }
}

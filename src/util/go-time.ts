/**
 * Go's time.Parse with the two layouts Kubernetes reads times with: RFC 3339 (metav1.Time, query
 * parameters such as `sinceTime`) and RFC 3339 with exactly six fraction digits (metav1.MicroTime),
 * with the text of Go's ParseError for what it refuses; and Go's formatting of an instant in UTC.
 * The value is read byte by byte, as Go reads its UTF-8, so the error texts match for any input.
 */

/** Go's time.RFC3339. */
export const RFC3339 = "2006-01-02T15:04:05Z07:00"
/** apimachinery's RFC3339Micro, the layout of metav1.MicroTime. */
export const RFC3339_MICRO = "2006-01-02T15:04:05.000000Z07:00"

/** An instant: whole seconds since the Unix epoch (rounded down) and the nanoseconds past them. */
export interface GoInstant {
  readonly seconds: number
  readonly nanos: number
}

/** A parsed instant (`ms`: its milliseconds since the epoch, rounded down), or the message of Go's error. */
export type GoTime =
  (GoInstant & { readonly ms: number; readonly error?: undefined }) | { readonly error: string }

type Field = "year" | "month" | "day" | "hour" | "minute" | "second" | "fraction" | "zone"

/** One element of a layout: the literal before it, what it reads, and how the layout writes it. */
interface Step {
  readonly literal: string
  readonly field: Field
  readonly element: string
}

const DATE_AND_CLOCK: readonly Step[] = [
  { literal: "", field: "year", element: "2006" },
  { literal: "-", field: "month", element: "01" },
  { literal: "-", field: "day", element: "02" },
  { literal: "T", field: "hour", element: "15" },
  { literal: ":", field: "minute", element: "04" },
  { literal: ":", field: "second", element: "05" },
]
const ZONE: Step = { literal: "", field: "zone", element: "Z07:00" }
const STEPS: Readonly<Record<string, readonly Step[]>> = {
  [RFC3339]: [...DATE_AND_CLOCK, ZONE],
  [RFC3339_MICRO]: [...DATE_AND_CLOCK, { literal: "", field: "fraction", element: ".000000" }, ZONE],
}

/** What the fields read so far hold. */
interface Parsed {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  nanos: number
  /** The zone's offset east of UTC, in seconds. */
  offset: number
}

/** After one element: the rest of the value, or undefined when it does not parse; or a range error. */
type Read = { readonly rest?: string | undefined; readonly range?: string }

/** `s`'s UTF-8 bytes, one character per byte. */
function bytesOf(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, "utf8").toString("latin1")
}

/** The time package's own quoting (not strconv's): bytes below space or past ASCII as `\xNN`. */
function timeQuote(bytes: string): string {
  let out = '"'
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i)
    if (c < 0x20 || c >= 0x80) out += `\\x${c.toString(16).padStart(2, "0")}`
    else out += c === 0x22 || c === 0x5c ? `\\${bytes[i]}` : bytes[i]
  }
  return `${out}"`
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i)
  return c >= 48 && c <= 57
}

function digitAt(s: string, i: number): number {
  return s.charCodeAt(i) - 48
}

/** One or two digits (`fixed`: exactly two), as Go's getnum reads a field. */
function number2(s: string, fixed: boolean): { n: number; rest: string } | undefined {
  if (!isDigitAt(s, 0)) return undefined
  if (!isDigitAt(s, 1)) return fixed ? undefined : { n: digitAt(s, 0), rest: s.slice(1) }
  return { n: digitAt(s, 0) * 10 + digitAt(s, 1), rest: s.slice(2) }
}

/** Go's time-package atoi: an optional sign, then nothing but digits (none is 0). */
function signedDigits(s: string): number | undefined {
  const signed = s[0] === "-" || s[0] === "+"
  let n = 0
  for (let i = signed ? 1 : 0; i < s.length; i++) {
    if (!isDigitAt(s, i)) return undefined
    n = n * 10 + digitAt(s, i)
  }
  return s[0] === "-" && n !== 0 ? -n : n
}

/** A fraction of `width` bytes, its separator included, in nanoseconds (digits past nine ignored). */
function fractionOf(s: string, width: number): number | "bad" | "range" {
  if (s[0] !== "." && s[0] !== ",") return "bad"
  const end = Math.min(width, 10)
  const n = signedDigits(s.slice(1, end))
  if (n === undefined) return "bad"
  if (n < 0) return "range"
  return n * 10 ** (10 - end)
}

function readYear(s: string, p: Parsed): Read {
  if (s.length < 4 || !isDigitAt(s, 0)) return {}
  const year = signedDigits(s.slice(0, 4))
  if (year === undefined) return {}
  p.year = year
  return { rest: s.slice(4) }
}

/** A two-digit field that must be below `limit` (the month: from 1 to 12). */
function readTwo(s: string, p: Parsed, field: "month" | "day" | "hour" | "minute"): Read {
  const r = number2(s, field !== "hour")
  const n = r?.n ?? 0
  if (field === "month") {
    if (r && (n < 1 || n > 12)) return { range: "month" }
  } else if (field !== "day" && n >= (field === "hour" ? 24 : 60)) return { range: field }
  p[field] = n
  return { rest: r?.rest }
}

/** The seconds, and a fraction after them where the layout has none (Go takes it anyway). */
function readSecond(s: string, p: Parsed, fractionNext: boolean): Read {
  const r = number2(s, true)
  if (!r) return {}
  if (r.n >= 60) return { range: "second" }
  p.second = r.n
  let rest = r.rest
  if (!fractionNext && rest.length >= 2 && (rest[0] === "." || rest[0] === ",") && isDigitAt(rest, 1)) {
    let end = 2
    while (isDigitAt(rest, end)) end++
    p.nanos = fractionOf(rest, end) as number
    rest = rest.slice(end)
  }
  return { rest }
}

/** Exactly six fraction digits after a separator. */
function readFraction(s: string, p: Parsed): Read {
  if (s.length < 7) return {}
  const nanos = fractionOf(s, 7)
  if (nanos === "range") return { range: "fractional second" }
  if (nanos === "bad") return {}
  p.nanos = nanos
  return { rest: s.slice(7) }
}

/** `Z` or `±hh:mm` (Go allows offsets up to 24:60). */
function readZone(s: string, p: Parsed): Read {
  if (s[0] === "Z") return { rest: s.slice(1) }
  if (s.length < 6 || s[3] !== ":") return {}
  const hours = number2(s.slice(1, 3), true)
  const minutes = hours && number2(s.slice(4, 6), true)
  const hh = hours?.n ?? 0
  const mm = minutes?.n ?? 0
  if (mm > 60) return { range: "time zone offset minute" }
  if (hh > 24) return { range: "time zone offset hour" }
  if (!minutes || (s[0] !== "+" && s[0] !== "-")) return {}
  p.offset = (s[0] === "-" ? -1 : 1) * (hh * 3600 + mm * 60)
  return { rest: s.slice(6) }
}

function read(step: Step, s: string, p: Parsed, next: Step | undefined): Read {
  switch (step.field) {
    case "year":
      return readYear(s, p)
    case "second":
      return readSecond(s, p, next?.field === "fraction")
    case "fraction":
      return readFraction(s, p)
    case "zone":
      return readZone(s, p)
    default:
      return readTwo(s, p, step.field)
  }
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
}

function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Seconds since the epoch of a UTC date and clock (any year: Date.UTC would move 0-99 to 19xx). */
function epochSeconds(p: Parsed): number {
  const d = new Date(0)
  d.setUTCFullYear(p.year, p.month - 1, p.day)
  d.setUTCHours(p.hour, p.minute, p.second, 0)
  return d.getTime() / 1000
}

/** Go's time.Parse(layout, value) for `RFC3339` and `RFC3339_MICRO`. */
export function goParseTime(layout: typeof RFC3339 | typeof RFC3339_MICRO, value: string): GoTime {
  const input = bytesOf(value)
  const steps = STEPS[layout] as readonly Step[]
  const p: Parsed = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, nanos: 0, offset: 0 }
  let rest = input
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step
    if (step.literal) {
      if (rest[0] !== step.literal) return cannotParse(input, layout, rest, step.literal)
      rest = rest.slice(1)
    }
    const r = read(step, rest, p, steps[i + 1])
    if (r.range) return { error: `parsing time ${timeQuote(input)}: ${r.range} out of range` }
    if (r.rest === undefined) return cannotParse(input, layout, rest, step.element)
    rest = r.rest
  }
  if (rest !== "") return { error: `parsing time ${timeQuote(input)}: extra text: ${timeQuote(rest)}` }
  if (p.day < 1 || p.day > daysIn(p.month, p.year))
    return { error: `parsing time ${timeQuote(input)}: day out of range` }
  const seconds = epochSeconds(p) - p.offset
  return { seconds, nanos: p.nanos, ms: seconds * 1000 + Math.floor(p.nanos / 1e6) }
}

function cannotParse(input: string, layout: string, rest: string, element: string): GoTime {
  return {
    error: `parsing time ${timeQuote(input)} as ${timeQuote(layout)}: cannot parse ${timeQuote(rest)} as ${timeQuote(element)}`,
  }
}

/** time.Parse(time.RFC3339, value). */
export function goParseRfc3339(value: string): GoTime {
  return goParseTime(RFC3339, value)
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0")
}

/**
 * `t` in UTC as Go formats RFC 3339 (`fraction` 0) or RFC3339Micro (`fraction` 6): the fraction
 * truncated, the year in four digits or more (a negative one after `-`).
 */
export function goFormatUtc(t: GoInstant, fraction: 0 | 6): string {
  const d = new Date(t.seconds * 1000)
  const y = d.getUTCFullYear()
  const year = y < 0 ? `-${pad(-y, 4)}` : pad(y, 4)
  const date = `${year}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
  const clock = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
  const frac = fraction === 6 ? `.${pad(Math.floor(t.nanos / 1000), 6)}` : ""
  return `${date}T${clock}${frac}Z`
}

/**
 * metav1.Time and metav1.MicroTime as upstream's API server reads and stores them. A JSON string
 * is parsed with Go's RFC 3339 layout: a Time takes any offset and any fraction, a MicroTime any
 * offset and exactly six fraction digits. What is stored, and answered, is the instant in UTC,
 * a Time to the second (its fraction dropped), a MicroTime to the microsecond:
 * `2026-01-02T05:04:05.789+02:00` is the Time `2026-01-02T03:04:05Z`.
 */
import { goFormatUtc, goParseTime, RFC3339, RFC3339_MICRO } from "../util/index.ts"

/** Seconds from the Unix epoch to Go's zero time, 0001-01-01T00:00:00Z. */
const ZERO_SECONDS = -62135596800

/** The JSON value upstream stores for a time (null for the zero time), or Go's parse error. */
export type DecodedTime =
  { readonly value: string | null; readonly error?: undefined } | { readonly error: string }

/**
 * The value upstream keeps for the JSON string `text` of a Time (`micro` false) or MicroTime.
 * The zero time is written null; so is the Unix epoch, which storage keeps as an empty protobuf
 * Timestamp and reads back as the zero time.
 */
export function decodeMetaTime(text: string, micro: boolean): DecodedTime {
  // Most times are written as they are stored (by k8ts itself, by every Go client).
  if (isStoredForm(text, micro)) return { value: text }
  const t = goParseTime(micro ? RFC3339_MICRO : RFC3339, text)
  if (t.error !== undefined) return t
  // A Time is stored without its fraction; a MicroTime keeps microseconds.
  const nanos = micro ? t.nanos - (t.nanos % 1000) : 0
  if (nanos === 0 && (t.seconds === ZERO_SECONDS || t.seconds === 0)) return { value: null }
  return { value: goFormatUtc({ seconds: t.seconds, nanos }, micro ? 6 : 0) }
}

const STORED_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const STORED_MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/

function twoAt(s: string, i: number): number {
  return (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48
}

function daysInMonth(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * Whether `s` is already what upstream stores: `YYYY-MM-DDThh:mm:ssZ` (a MicroTime with
 * `.ffffff` before the Z) naming a real instant, neither the zero time nor the epoch. A quick
 * test that spares the full parse.
 */
function isStoredForm(s: string, micro: boolean): boolean {
  if (!(micro ? STORED_MICRO_TIME : STORED_TIME).test(s)) return false
  const month = twoAt(s, 5)
  const day = twoAt(s, 8)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(month, twoAt(s, 0) * 100 + twoAt(s, 2)))
    return false
  if (twoAt(s, 11) > 23 || twoAt(s, 14) > 59 || twoAt(s, 17) > 59) return false
  // The zero time and the epoch are stored as null.
  return !s.startsWith("0001-01-01T00:00:00") && !s.startsWith("1970-01-01T00:00:00")
}

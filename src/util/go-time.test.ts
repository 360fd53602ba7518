import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { goFormatUtc, goParseRfc3339, goParseTime, RFC3339, RFC3339_MICRO } from "./go-time.ts"

const AS = 'as "2006-01-02T15:04:05Z07:00"'
const AS_MICRO = 'as "2006-01-02T15:04:05.000000Z07:00"'

/** Seconds since the epoch of a UTC date (months from 1). */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000
}

/** What a case expects: the instant (seconds, nanos) or Go's error text. */
type Want = readonly [seconds: number, nanos: number] | string

describe("goParseTime(RFC3339) reads what Go's time.Parse(time.RFC3339, s) reads", () => {
  const cases: { name: string; input: string; want: Want }[] = [
    { name: "UTC", input: "2024-02-29T23:59:59Z", want: [utc(2024, 2, 29, 23, 59, 59), 0] },
    { name: "a fraction", input: "2024-01-01T00:00:00.25Z", want: [utc(2024, 1, 1), 250_000_000] },
    { name: "a comma before the fraction", input: "2024-01-01T00:00:00,5Z", want: [utc(2024, 1, 1), 5e8] },
    {
      name: "digits past nanoseconds ignored",
      input: "2024-01-01T00:00:00.1234567891234Z",
      want: [utc(2024, 1, 1), 123456789],
    },
    { name: "a positive offset", input: "2024-01-01T02:00:00+02:00", want: [utc(2024, 1, 1), 0] },
    { name: "a negative offset", input: "2023-12-31T19:30:00-04:30", want: [utc(2024, 1, 1), 0] },
    {
      name: "an offset of 24:60 (Go allows it)",
      input: "2024-01-02T01:00:00+24:60",
      want: [utc(2024, 1, 1), 0],
    },
    {
      name: "a one-digit hour (Go's layout hour)",
      input: "2024-01-01T3:04:05Z",
      want: [utc(2024, 1, 1, 3, 4, 5), 0],
    },
    { name: "year 0 (not 1900)", input: "0000-03-01T00:00:00Z", want: [-62162035200, 0] },
    { name: "the zero time", input: "0001-01-01T00:00:00Z", want: [-62135596800, 0] },
    { name: "not a time", input: "x", want: `parsing time "x" ${AS}: cannot parse "x" as "2006"` },
    { name: "empty", input: "", want: `parsing time "" ${AS}: cannot parse "" as "2006"` },
    {
      name: "a wrong separator",
      input: "2024/01/01T00:00:00Z",
      want: `parsing time "2024/01/01T00:00:00Z" ${AS}: cannot parse "/01/01T00:00:00Z" as "-"`,
    },
    {
      name: "a one-digit month",
      input: "2024-1-01T00:00:00Z",
      want: `parsing time "2024-1-01T00:00:00Z" ${AS}: cannot parse "1-01T00:00:00Z" as "01"`,
    },
    {
      name: "a space for T",
      input: "2024-01-01 00:00:00Z",
      want: `parsing time "2024-01-01 00:00:00Z" ${AS}: cannot parse " 00:00:00Z" as "T"`,
    },
    {
      name: "lower-case t",
      input: "2024-01-01t00:00:00Z",
      want: `parsing time "2024-01-01t00:00:00Z" ${AS}: cannot parse "t00:00:00Z" as "T"`,
    },
    {
      name: "no zone",
      input: "2024-01-01T00:00:00",
      want: `parsing time "2024-01-01T00:00:00" ${AS}: cannot parse "" as "Z07:00"`,
    },
    {
      name: "lower-case z",
      input: "2024-01-01T00:00:00z",
      want: `parsing time "2024-01-01T00:00:00z" ${AS}: cannot parse "z" as "Z07:00"`,
    },
    {
      name: "an offset without a colon",
      input: "2024-01-01T00:00:00+0200",
      want: `parsing time "2024-01-01T00:00:00+0200" ${AS}: cannot parse "+0200" as "Z07:00"`,
    },
    {
      name: "a dot without digits",
      input: "2024-01-01T00:00:00.Z",
      want: `parsing time "2024-01-01T00:00:00.Z" ${AS}: cannot parse ".Z" as "Z07:00"`,
    },
    {
      name: "month 13",
      input: "2024-13-01T00:00:00Z",
      want: 'parsing time "2024-13-01T00:00:00Z": month out of range',
    },
    {
      name: "month 0",
      input: "2024-00-01T00:00:00Z",
      want: 'parsing time "2024-00-01T00:00:00Z": month out of range',
    },
    {
      name: "February 29 of 2023",
      input: "2023-02-29T00:00:00Z",
      want: 'parsing time "2023-02-29T00:00:00Z": day out of range',
    },
    {
      name: "day 0",
      input: "2023-02-00T00:00:00Z",
      want: 'parsing time "2023-02-00T00:00:00Z": day out of range',
    },
    {
      name: "hour 24",
      input: "2024-01-01T24:00:00Z",
      want: 'parsing time "2024-01-01T24:00:00Z": hour out of range',
    },
    {
      name: "minute 60",
      input: "2024-01-01T00:60:00Z",
      want: 'parsing time "2024-01-01T00:60:00Z": minute out of range',
    },
    {
      name: "a leap second",
      input: "2024-01-01T00:00:60Z",
      want: 'parsing time "2024-01-01T00:00:60Z": second out of range',
    },
    {
      name: "an offset past 24 hours",
      input: "2024-01-01T00:00:00+25:00",
      want: 'parsing time "2024-01-01T00:00:00+25:00": time zone offset hour out of range',
    },
    {
      name: "an offset's range is told before its sign",
      input: "2024-01-01T00:00:00x00:61",
      want: 'parsing time "2024-01-01T00:00:00x00:61": time zone offset minute out of range',
    },
    {
      name: "a bad sign",
      input: "2024-01-01T00:00:00x01:00",
      want: `parsing time "2024-01-01T00:00:00x01:00" ${AS}: cannot parse "x01:00" as "Z07:00"`,
    },
    {
      name: "the day is checked last",
      input: "2023-02-31T00:00:00Zjunk",
      want: 'parsing time "2023-02-31T00:00:00Zjunk": extra text: "junk"',
    },
    {
      name: "bytes quoted as the time package quotes them",
      input: 'é"\n',
      want: `parsing time "\\xc3\\xa9\\"\\x0a" ${AS}: cannot parse "\\xc3\\xa9\\"\\x0a" as "2006"`,
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const got = goParseTime(RFC3339, c.input)
      if (typeof c.want === "string") assert.deepEqual(got, { error: c.want })
      else
        assert.deepEqual(
          [got.error, got.error === undefined && [got.seconds, got.nanos]],
          [undefined, c.want],
        )
    })
  }
})

describe("goParseTime(RFC3339_MICRO) wants exactly six fraction digits, as Go's fixed fraction layout", () => {
  const cases: { name: string; input: string; want: Want }[] = [
    { name: "six digits", input: "2026-01-02T03:04:05.123456Z", want: [utc(2026, 1, 2, 3, 4, 5), 123456000] },
    { name: "an offset", input: "2026-01-02T05:04:05.000001+02:00", want: [utc(2026, 1, 2, 3, 4, 5), 1000] },
    { name: "a comma", input: "2026-01-02T03:04:05,100000Z", want: [utc(2026, 1, 2, 3, 4, 5), 1e8] },
    {
      name: "a signed zero fraction (Go's atoi)",
      input: "2026-01-02T03:04:05.-00000Z",
      want: [utc(2026, 1, 2, 3, 4, 5), 0],
    },
    {
      name: "no fraction",
      input: "2026-01-02T03:04:05Z",
      want: `parsing time "2026-01-02T03:04:05Z" ${AS_MICRO}: cannot parse "Z" as ".000000"`,
    },
    {
      name: "three digits",
      input: "2026-01-02T03:04:05.123Z",
      want: `parsing time "2026-01-02T03:04:05.123Z" ${AS_MICRO}: cannot parse ".123Z" as ".000000"`,
    },
    {
      name: "nine digits",
      input: "2026-01-02T03:04:05.123456789Z",
      want: `parsing time "2026-01-02T03:04:05.123456789Z" ${AS_MICRO}: cannot parse "789Z" as "Z07:00"`,
    },
    {
      name: "a negative fraction",
      input: "2026-01-02T03:04:05.-00001Z",
      want: 'parsing time "2026-01-02T03:04:05.-00001Z": fractional second out of range',
    },
    {
      name: "not a time",
      input: "yesterday",
      want: `parsing time "yesterday" ${AS_MICRO}: cannot parse "yesterday" as "2006"`,
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const got = goParseTime(RFC3339_MICRO, c.input)
      if (typeof c.want === "string") assert.deepEqual(got, { error: c.want })
      else
        assert.deepEqual(
          [got.error, got.error === undefined && [got.seconds, got.nanos]],
          [undefined, c.want],
        )
    })
  }
})

describe("goFormatUtc()", () => {
  const cases: { name: string; seconds: number; nanos: number; fraction: 0 | 6; want: string }[] = [
    {
      name: "to the second",
      seconds: utc(2026, 1, 2, 3, 4, 5),
      nanos: 999e6,
      fraction: 0,
      want: "2026-01-02T03:04:05Z",
    },
    {
      name: "microseconds truncated",
      seconds: utc(2026, 1, 2, 3, 4, 5),
      nanos: 123456789,
      fraction: 6,
      want: "2026-01-02T03:04:05.123456Z",
    },
    {
      name: "zero microseconds",
      seconds: utc(2026, 1, 2),
      nanos: 0,
      fraction: 6,
      want: "2026-01-02T00:00:00.000000Z",
    },
    { name: "year 1", seconds: -62135596800, nanos: 0, fraction: 0, want: "0001-01-01T00:00:00Z" },
    { name: "before year 0", seconds: -62167222800, nanos: 0, fraction: 0, want: "-0001-12-31T23:00:00Z" },
    { name: "after year 9999", seconds: 253402304399, nanos: 0, fraction: 0, want: "10000-01-01T00:59:59Z" },
  ]
  for (const c of cases) {
    test(c.name, () => assert.equal(goFormatUtc({ seconds: c.seconds, nanos: c.nanos }, c.fraction), c.want))
  }
})

test("goParseRfc3339() gives milliseconds since the epoch, rounded down", () => {
  assert.equal(goParseRfc3339("2024-01-01T00:00:00.2509Z").error, undefined)
  assert.deepEqual(goParseRfc3339("1969-12-31T23:59:59.9999Z"), { seconds: -1, nanos: 999900000, ms: -1 })
})

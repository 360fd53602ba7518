import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { decodeMetaTime } from "./meta-time.ts"

const AS = 'as "2006-01-02T15:04:05Z07:00"'
const AS_MICRO = 'as "2006-01-02T15:04:05.000000Z07:00"'

/** A case: the JSON string written, and the value stored (null: the zero time) or Go's error. */
interface Case {
  readonly name: string
  readonly input: string
  readonly want: { value: string | null } | { error: string }
}

describe("decodeMetaTime() of a metav1.Time: RFC 3339 in UTC to the second", () => {
  const cases: Case[] = [
    { name: "already stored form", input: "2026-01-02T03:04:05Z", want: { value: "2026-01-02T03:04:05Z" } },
    {
      name: "an offset and a fraction",
      input: "2026-01-02T05:04:05.789+02:00",
      want: { value: "2026-01-02T03:04:05Z" },
    },
    {
      name: "a fraction is truncated, never rounded",
      input: "2026-01-02T03:04:05.999999999Z",
      want: { value: "2026-01-02T03:04:05Z" },
    },
    {
      name: "an offset that moves the date",
      input: "2026-01-01T23:30:00-01:00",
      want: { value: "2026-01-02T00:30:00Z" },
    },
    { name: "+00:00 is Z", input: "2026-01-02T03:04:05+00:00", want: { value: "2026-01-02T03:04:05Z" } },
    { name: "the zero time is null", input: "0001-01-01T00:00:00Z", want: { value: null } },
    {
      name: "the zero second with a fraction is null",
      input: "0001-01-01T00:00:00.5Z",
      want: { value: null },
    },
    {
      name: "the epoch is null (storage reads it as zero)",
      input: "1970-01-01T00:00:00Z",
      want: { value: null },
    },
    { name: "the epoch written with an offset", input: "1970-01-01T02:00:00.3+02:00", want: { value: null } },
    {
      name: "a second after the epoch",
      input: "1970-01-01T00:00:01Z",
      want: { value: "1970-01-01T00:00:01Z" },
    },
    {
      name: "not a time",
      input: "yesterday",
      want: { error: `parsing time "yesterday" ${AS}: cannot parse "yesterday" as "2006"` },
    },
    {
      name: "the stored shape naming no real day",
      input: "2023-02-29T00:00:00Z",
      want: { error: 'parsing time "2023-02-29T00:00:00Z": day out of range' },
    },
    {
      name: "the stored shape with hour 24",
      input: "2023-02-28T24:00:00Z",
      want: { error: 'parsing time "2023-02-28T24:00:00Z": hour out of range' },
    },
    {
      name: "leap day of a leap year",
      input: "2024-02-29T00:00:00Z",
      want: { value: "2024-02-29T00:00:00Z" },
    },
    {
      name: "a date alone",
      input: "2026-01-02",
      want: { error: `parsing time "2026-01-02" ${AS}: cannot parse "" as "T"` },
    },
  ]
  for (const c of cases) test(c.name, () => assert.deepEqual(decodeMetaTime(c.input, false), c.want))
})

describe("decodeMetaTime() of a metav1.MicroTime: six fraction digits in UTC", () => {
  const cases: Case[] = [
    {
      name: "already stored form",
      input: "2026-01-02T03:04:05.123456Z",
      want: { value: "2026-01-02T03:04:05.123456Z" },
    },
    {
      name: "an offset",
      input: "2026-01-02T05:04:05.123456+02:00",
      want: { value: "2026-01-02T03:04:05.123456Z" },
    },
    { name: "the zero time is null", input: "0001-01-01T00:00:00.000000Z", want: { value: null } },
    { name: "the epoch is null", input: "1970-01-01T00:00:00.000000Z", want: { value: null } },
    {
      name: "a microsecond after the epoch",
      input: "1970-01-01T00:00:00.000001Z",
      want: { value: "1970-01-01T00:00:00.000001Z" },
    },
    {
      name: "the stored shape with minute 60",
      input: "2026-01-02T03:60:05.123456Z",
      want: { error: 'parsing time "2026-01-02T03:60:05.123456Z": minute out of range' },
    },
    {
      name: "no fraction",
      input: "2026-01-02T03:04:05Z",
      want: { error: `parsing time "2026-01-02T03:04:05Z" ${AS_MICRO}: cannot parse "Z" as ".000000"` },
    },
    {
      name: "milliseconds",
      input: "2026-01-02T03:04:05.123Z",
      want: {
        error: `parsing time "2026-01-02T03:04:05.123Z" ${AS_MICRO}: cannot parse ".123Z" as ".000000"`,
      },
    },
  ]
  for (const c of cases) test(c.name, () => assert.deepEqual(decodeMetaTime(c.input, true), c.want))
})

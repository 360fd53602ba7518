import assert from "node:assert/strict"
import { test } from "node:test"
import { goParseRfc3339 } from "./go-time.ts"

const AS = 'as "2006-01-02T15:04:05Z07:00"'

test("goParseRfc3339 reads what time.Parse(time.RFC3339, s) reads, with its error text", () => {
  const cases: [string, number | string][] = [
    ["2024-02-29T23:59:59Z", Date.UTC(2024, 1, 29, 23, 59, 59)],
    ["2024-01-01T00:00:00.250Z", Date.UTC(2024, 0, 1) + 250],
    ["2024-01-01T02:00:00+02:00", Date.UTC(2024, 0, 1)],
    ["2023-12-31T19:30:00-04:30", Date.UTC(2024, 0, 1)],
    ["x", `parsing time "x" ${AS}: cannot parse "x" as "2006"`],
    [
      "2024/01/01T00:00:00Z",
      `parsing time "2024/01/01T00:00:00Z" ${AS}: cannot parse "/01/01T00:00:00Z" as "-"`,
    ],
    [
      "2024-1-01T00:00:00Z",
      `parsing time "2024-1-01T00:00:00Z" ${AS}: cannot parse "1-01T00:00:00Z" as "01"`,
    ],
    ["2024-01-01 00:00:00Z", `parsing time "2024-01-01 00:00:00Z" ${AS}: cannot parse " 00:00:00Z" as "T"`],
    ["2024-01-01T00:00:00", `parsing time "2024-01-01T00:00:00" ${AS}: cannot parse "" as "Z07:00"`],
    ["2024-13-01T00:00:00Z", 'parsing time "2024-13-01T00:00:00Z": month out of range'],
    ["2023-02-29T00:00:00Z", 'parsing time "2023-02-29T00:00:00Z": day out of range'],
    ["2024-01-01T24:00:00Z", 'parsing time "2024-01-01T24:00:00Z": hour out of range'],
    ["2024-01-01T00:00:00Zjunk", 'parsing time "2024-01-01T00:00:00Zjunk": extra text: "junk"'],
  ]
  for (const [s, want] of cases) {
    const got = goParseRfc3339(s)
    if (typeof want === "number") assert.deepEqual(got, { ms: want }, s)
    else assert.deepEqual(got, { error: want }, s)
  }
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { goDuration } from "./go-duration.ts"

// Each as Go prints time.Duration(<nanoseconds>).String().
const cases: [number, string][] = [
  [0, "0s"],
  [0.00025, "250ns"],
  [0.0015, "1.5µs"],
  [0.999, "999µs"],
  [1, "1ms"],
  [1.25, "1.25ms"],
  [100, "100ms"],
  [500, "500ms"],
  [1000, "1s"],
  [1500, "1.5s"],
  [14_999, "14.999s"],
  [15_000, "15s"],
  [60_000, "1m0s"],
  [60_500, "1m0.5s"],
  [90_500, "1m30.5s"],
  [120_000, "2m0s"],
  [3_600_000, "1h0m0s"],
  [3_725_250, "1h2m5.25s"],
  [4 * 3_600_000, "4h0m0s"],
  [1000.000001, "1.000000001s"],
  [-1500, "-1.5s"],
]
for (const [ms, want] of cases) {
  test(`goDuration(${ms}) is ${want}`, () => assert.equal(goDuration(ms), want))
}

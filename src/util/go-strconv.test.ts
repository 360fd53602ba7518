import assert from "node:assert/strict"
import { test } from "node:test"
import { goFormatFloat, goParseInt, goParseUint, goQuote } from "./go-strconv.ts"

test("goParseInt reads what strconv.ParseInt(s, 10, 64) reads, with its error text", () => {
  const cases: [string, bigint | string][] = [
    ["0", 0n],
    ["+7", 7n],
    ["-7", -7n],
    ["007", 7n],
    ["9223372036854775807", 9223372036854775807n],
    ["-9223372036854775808", -9223372036854775808n],
    ["", 'strconv.ParseInt: parsing "": invalid syntax'],
    ["abc", 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ["-", 'strconv.ParseInt: parsing "-": invalid syntax'],
    ["1.5", 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    [" 5", 'strconv.ParseInt: parsing " 5": invalid syntax'],
    ["1_000", 'strconv.ParseInt: parsing "1_000": invalid syntax'],
    ["0x10", 'strconv.ParseInt: parsing "0x10": invalid syntax'],
    ["9223372036854775808", 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ["-9223372036854775809", 'strconv.ParseInt: parsing "-9223372036854775809": value out of range'],
    // Go stops at the first digit that overflows, before it sees the letter.
    ["99999999999999999999x", 'strconv.ParseInt: parsing "99999999999999999999x": value out of range'],
    ["9x9999999999999999999", 'strconv.ParseInt: parsing "9x9999999999999999999": invalid syntax'],
    ["a\tb", 'strconv.ParseInt: parsing "a\\tb": invalid syntax'],
  ]
  for (const [s, want] of cases) {
    const got = goParseInt(s)
    assert.deepEqual(got.error ?? got.value, want, s)
  }
})

test("goParseUint reads what strconv.ParseUint(s, 10, 64) reads, with its error text", () => {
  const cases: [string, bigint | string][] = [
    ["18446744073709551615", 18446744073709551615n],
    ["18446744073709551616", 'strconv.ParseUint: parsing "18446744073709551616": value out of range'],
    ["+1", 'strconv.ParseUint: parsing "+1": invalid syntax'],
    ["-1", 'strconv.ParseUint: parsing "-1": invalid syntax'],
    ["", 'strconv.ParseUint: parsing "": invalid syntax'],
  ]
  for (const [s, want] of cases) {
    const got = goParseUint(s)
    assert.deepEqual(got.error ?? got.value, want, s)
  }
})

test("goQuote escapes as Go's %q", () => {
  assert.equal(goQuote('a"b\\c\n\x01é'), '"a\\"b\\\\c\\n\\x01é"')
})

test("goFormatFloat prints as strconv.FormatFloat(f, 'g', -1, 64)", () => {
  // The 'g', -1 rows of Go's ftoa_test.go, and the forms metrics show.
  const cases: [number, string][] = [
    [0, "0"],
    [-0, "-0"],
    [1, "1"],
    [-1, "-1"],
    [12, "12"],
    [32, "32"],
    [0.005, "0.005"],
    [2.5, "2.5"],
    [0.1 + 0.2, "0.30000000000000004"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1e-6, "1e-06"],
    [-2.5e-7, "-2.5e-07"],
    [100000, "100000"],
    [999999, "999999"],
    [1e6, "1e+06"],
    [1234567, "1.234567e+06"],
    [123456700, "1.234567e+08"],
    [1.7845112e9, "1.7845112e+09"],
    [108678236358137.625, "1.0867823635813762e+14"],
    [1e23, "1e+23"],
    [99999999999999974834176, "9.999999999999997e+22"],
    [100000000000000008388608, "1.0000000000000001e+23"],
    [1e100, "1e+100"],
    [5e-324, "5e-324"],
    [-5e-324, "-5e-324"],
    [Number.NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ]
  for (const [f, want] of cases) assert.equal(goFormatFloat(f), want, String(f))
})

test("goQuote() escapes what Go's strconv.Quote does not deem printable", () => {
  assert.equal(
    goQuote("a\x07\x01\x7f\u0081\u00a0\u00ad\u00e9\u2028 z\u{e0001}"),
    '"a\\a\\x01\\x7f\\u0081\\u00a0\\u00ad\u00e9\\u2028 z\\U000e0001"',
  )
})

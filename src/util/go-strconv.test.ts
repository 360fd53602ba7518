import assert from "node:assert/strict"
import { test } from "node:test"
import { goParseInt, goParseUint, goQuote } from "./go-strconv.ts"

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

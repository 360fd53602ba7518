import assert from "node:assert/strict"
import { test } from "node:test"
import { goJsonEscape, goJsonString } from "./go-json.ts"

test("Go's HTML-safe escapes in JSON text, nothing else changed", () => {
  const cases: [input: string, want: string][] = [
    ['{"a":"<b>&</b>"}', '{"a":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"}'],
    ['["\u2028\u2029"]', '["\\u2028\\u2029"]'],
    ['{"plain":"ünïcode ✓","n":1.5}', '{"plain":"ünïcode ✓","n":1.5}'],
  ]
  for (const [input, want] of cases) assert.equal(goJsonEscape(input), want)
  assert.equal(goJsonString('a"<'), '"a\\"\\u003c"')
})

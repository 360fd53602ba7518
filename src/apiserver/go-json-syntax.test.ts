import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { ApiError } from "../api/index.ts"
import { checkJsonBody, goJsonSyntaxError } from "./go-json-syntax.ts"

describe("goJsonSyntaxError() words errors as Go's scanner", () => {
  const cases: [string, string | undefined][] = [
    ['{"a":[1,2.5e-3,true,null,"x\\n"]}', undefined],
    [" [] ", undefined],
    ["", "unexpected end of JSON input"],
    ['{"metadata":', "unexpected end of JSON input"],
    ["x", "invalid character 'x' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ["[1,]", "invalid character ']' looking for beginning of value"],
    ["[1 2]", "invalid character '2' after array element"],
    ["{} x", "invalid character 'x' after top-level value"],
    ["-x", "invalid character 'x' in numeric literal"],
    ["1.x", "invalid character 'x' after decimal point in numeric literal"],
    ["1ex", "invalid character 'x' in exponent of numeric literal"],
    ["tru", "unexpected end of JSON input"],
    ["trux", "invalid character 'x' in literal true (expecting 'e')"],
    ['"a\\q"', "invalid character 'q' in string escape code"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
  ]
  for (const [text, want] of cases)
    test(JSON.stringify(text), () => assert.equal(goJsonSyntaxError(text), want))
})

test("checkJsonBody() answers 400 as upstream, summarizing the body", () => {
  const check = (text: string, want: string) =>
    assert.throws(
      () => checkJsonBody(text, "ConfigMap"),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === want,
    )
  check(
    '{"metadata":',
    'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"metadata":)',
  )
  check(
    "",
    "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)",
  )
  check(
    "xy",
    "the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character 'x' looking for beginning of value (7879)",
  )
  checkJsonBody('{"metadata":{}}', "ConfigMap")
})

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

test("goJsonSyntaxError() takes exactly the texts JSON.parse takes (the create path parses first)", () => {
  // Texts made by cutting, repeating and replacing characters of valid documents.
  const seeds = [
    '{"a":[1,-2.5e-3,0,1E+2,true,false,null,"x\\n\\u00e9\\/"],"b":{}}',
    ' [ {"k" : "v\\"w"} , [] , -0.0 ] ',
    '"\\ud800"',
  ]
  const alphabet = ['"', "\\", "u", "0", "1", "-", "+", ".", "e", "E", ",", ":", "{", "}", "[", "]", " "]
  alphabet.push("\t", "\n", "\u0001", "\u00a0", "\ufeff", "t", "n", "x", "a")
  let seed = 7
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  for (let i = 0; i < 20000; i++) {
    let text = seeds[rand(seeds.length)] as string
    for (let m = 1 + rand(3); m > 0; m--) {
      const at = rand(text.length + 1)
      const op = rand(3)
      const ch = alphabet[rand(alphabet.length)] as string
      if (op === 0) text = text.slice(0, at) + text.slice(at + 1)
      else if (op === 1) text = text.slice(0, at) + ch + text.slice(at)
      else text = text.slice(0, at) + ch + text.slice(at + 1)
    }
    let parses = true
    try {
      JSON.parse(text)
    } catch {
      parses = false
    }
    assert.equal(goJsonSyntaxError(text) === undefined, parses, JSON.stringify(text))
  }
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { duplicateFields } from "./json-duplicates.ts"
import { parsedKeys, scanJson } from "./json-scan.ts"
import { markedNumbers } from "./number-literals.ts"

describe("scanJson()", () => {
  const cases: { name: string; input: string; keys: number; fractions: boolean }[] = [
    { name: "no keys", input: `[1, "a:", true, false, null]`, keys: 0, fractions: false },
    {
      name: "keys at every depth",
      input: `{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`,
      keys: 6,
      fractions: false,
    },
    {
      name: "whitespace before the colon",
      input: `{ "a" :1, "b"\n\t: {"c"\r:2}}`,
      keys: 3,
      fractions: false,
    },
    {
      name: "quotes, colons and backslashes inside strings",
      input: `{"s":"a\\":1.5,\\"","k\\\\":"v\\\\","t":["x\\\\\\":", "y"]}`,
      keys: 3,
      fractions: false,
    },
    { name: "a fraction", input: `{"a":[1, 2.0]}`, keys: 1, fractions: true },
    { name: "an exponent", input: `{"a":-1E+3}`, keys: 1, fractions: true },
    {
      name: "dots and exponents inside strings only",
      input: `{"v":"1.5","w":"1e3","t":true}`,
      keys: 3,
      fractions: false,
    },
    { name: "repeated keys counted each time", input: `{"a":1,"a":2}`, keys: 2, fractions: false },
  ]
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(scanJson(c.input), { keys: c.keys, fractions: c.fractions }))
  }
})

describe("parsedKeys()", () => {
  test("counts the keys of every object, in arrays too", () => {
    assert.equal(parsedKeys(JSON.parse(`{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2,"__proto__":3}]}`)), 7)
    assert.equal(parsedKeys(JSON.parse(`"x"`)), 0)
  })
  test("answers -1 past the depth it counts", () => {
    assert.equal(parsedKeys(JSON.parse(`${"[".repeat(300)}{"a":1}${"]".repeat(300)}`)), -1)
  })
})

test("scanJson() and parsedKeys() agree with the full scans on random documents", () => {
  let seed = 7
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed % n
  }
  const KEYS = ["a", "b", "a\\u0062", "ab", 'q\\"', "k\\\\", ":", "é"]
  const SCALARS = [
    "1",
    "-0.5e10",
    "2E3",
    "10",
    "1.0",
    '"s\\":1.5,"',
    "null",
    "true",
    "false",
    '"\\\\"',
    '"3e4"',
  ]
  const ws = () => [" ", "", "\n\t", ""][rnd(4)] as string
  const value = (depth: number): string => {
    const r = depth > 4 ? 0 : rnd(3)
    if (r === 0) return SCALARS[rnd(SCALARS.length)] as string
    if (r === 1) return `[${Array.from({ length: rnd(4) }, () => ws() + value(depth + 1)).join(",")}]`
    const members = Array.from({ length: rnd(6) }, (_, i) => {
      const k = rnd(3) === 0 ? (KEYS[rnd(KEYS.length)] as string) : `m${i}`
      return `${ws()}"${k}"${ws()}:${ws()}${value(depth + 1)}`
    })
    return `{${members.join(",")}${ws()}}`
  }
  const seen = { repeats: 0, fractions: 0 }
  for (let n = 0; n < 600; n++) {
    const input = value(0)
    const facts = scanJson(input)
    const repeats = facts.keys !== parsedKeys(JSON.parse(input))
    assert.equal(repeats, duplicateFields(input).length > 0, input)
    // Without a fraction or an exponent there is no literal for the number check to mark.
    if (!facts.fractions) assert.equal(markedNumbers(input), undefined, input)
    if (repeats) seen.repeats++
    if (facts.fractions) seen.fractions++
  }
  assert.ok(seen.repeats > 50 && seen.repeats < 550, JSON.stringify(seen))
  assert.ok(seen.fractions > 50 && seen.fractions < 550, JSON.stringify(seen))
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { duplicateFields, pathOf } from "./json-duplicates.ts"

describe("duplicateFields()", () => {
  const cases: { name: string; input: string; want: string[] }[] = [
    { name: "none", input: `{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`, want: [] },
    {
      name: "at every depth, in document order",
      input: `{"spec":{"paused":true,"paused":false,"x":[{"n":1,"n":2}]},"spec":{}}`,
      want: ["spec.paused", "spec.x[0].n", "spec"],
    },
    { name: "escaped keys compare decoded", input: `{"a\\u0062":1, "ab" :2}`, want: ["ab"] },
    { name: "strings with quotes and brackets", input: `{"s":"a\\"}{,","t":[1,"]"],"s":null}`, want: ["s"] },
    {
      name: "keys and values ending in backslashes",
      input: `{"k\\\\":"v\\\\","k\\\\":"\\"\\\\\\"","w":"${"x".repeat(2000)}","w":1}`,
      want: ["k\\", "w"],
    },
    { name: "not an object", input: ` [1, 2, {"k": true, "k": false}] `, want: ["[2].k"] },
  ]
  for (const c of cases) test(c.name, () => assert.deepEqual(duplicateFields(c.input), c.want))
})

/** A plain recursive reading of JSON text (the oracle): each object's keys decoded into a Set. */
function reference(text: string): string[] {
  const found: string[] = []
  let i = 0
  const ws = () => {
    while (/\s/.test(text[i] ?? "")) i++
  }
  const str = (): string => {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i)) as RegExpExecArray
    i += m[0].length
    return JSON.parse(m[0]) as string
  }
  const value = (path: (string | number)[]): void => {
    ws()
    if (text[i] === "{") {
      i++
      const seen = new Set<string>()
      ws()
      if (text[i] === "}") return void i++
      for (;;) {
        ws()
        const k = str()
        if (seen.has(k)) found.push(pathOf([...path, k]))
        seen.add(k)
        ws()
        i++
        value([...path, k])
        ws()
        if (text[i++] === "}") return
      }
    }
    if (text[i] === "[") {
      i++
      ws()
      if (text[i] === "]") return void i++
      for (let n = 0; ; n++) {
        value([...path, n])
        ws()
        if (text[i++] === "]") return
      }
    }
    if (text[i] === '"') return void str()
    while (i < text.length && !/[\s,\]}]/.test(text[i] as string)) i++
  }
  value([])
  return found
}

test("duplicateFields() agrees with a plain reading on random documents", () => {
  let seed = 42
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed % n
  }
  // Keys that repeat, spelled with and without escapes, beyond ASCII, and with quotes and backslashes.
  const KEYS = [
    "a",
    "b",
    "ab",
    "a\\u0062",
    "\\u0061",
    "é",
    "\\u00e9",
    "日本",
    "",
    'q\\"',
    "k\\\\",
    "x".repeat(20),
  ]
  const SCALARS = [
    "1",
    "-0.5e10",
    "123456789012345678901234567890",
    '"s\\"}"',
    "null",
    '"日本"',
    '"\\\\"',
    "true",
  ]
  const ws = () => [" ", "", "\n\t", ""][rnd(4)] as string
  const value = (depth: number): string => {
    const r = depth > 4 ? 0 : rnd(3)
    if (r === 0) return SCALARS[rnd(SCALARS.length)] as string
    if (r === 1) return `[${Array.from({ length: rnd(4) }, () => ws() + value(depth + 1)).join(",")}]`
    // Now and then an object of many keys (compared through a Set).
    const members = Array.from({ length: rnd(6) + (rnd(3) === 0 ? 17 : 0) }, (_, i) => {
      const k = rnd(3) === 0 ? (KEYS[rnd(KEYS.length)] as string) : `m${i}`
      return `${ws()}"${k}"${ws()}:${ws()}${value(depth + 1)}`
    })
    return `{${members.join(",")}${ws()}}`
  }
  let repeating = 0
  for (let n = 0; n < 400; n++) {
    const input = value(0)
    JSON.parse(input)
    const want = reference(input)
    if (want.length) repeating++
    assert.deepEqual(duplicateFields(input), want, input)
  }
  // Both kinds of document were tried.
  assert.ok(repeating > 50 && repeating < 350, String(repeating))
})

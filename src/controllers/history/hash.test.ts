import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { canonicalJson, computeHash, fnv32a, safeEncodeString } from "./hash.ts"

const bytes = (s: string) => new TextEncoder().encode(s)

describe("fnv32a", () => {
  const cases = [
    { name: "the empty input is the offset basis", input: "", want: 0x811c9dc5 },
    { name: "a", input: "a", want: 0xe40c292c },
    { name: "foobar", input: "foobar", want: 0xbf9cf968 },
  ]
  for (const c of cases) test(c.name, () => assert.equal(fnv32a(bytes(c.input)), c.want))
})

describe("safeEncodeString", () => {
  test("maps each character into the alphabet without vowels", () => {
    assert.equal(safeEncodeString("123"), "567")
    assert.match(safeEncodeString(String(0xffffffff)), /^[bcdfghjklmnpqrstvwxz2456789]+$/)
  })
})

describe("computeHash", () => {
  const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } }
  test("ignores key order", () => {
    const reordered = {
      spec: { containers: [{ image: "i", name: "c" }] },
      metadata: { labels: { app: "web" } },
    }
    assert.equal(computeHash(template), computeHash(reordered))
    assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}')
  })
  test("changes with the template and with the collision count", () => {
    const other = { ...template, spec: { containers: [{ name: "c", image: "j" }] } }
    assert.notEqual(computeHash(template), computeHash(other))
    assert.notEqual(computeHash(template, 0), computeHash(template, 1))
    assert.notEqual(computeHash(template), computeHash(template, 0))
  })
})

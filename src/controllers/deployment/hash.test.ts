import assert from "node:assert/strict"
import { test } from "node:test"
import { computeHash, equalIgnoreHash, fnv32a, safeEncodeString } from "./hash.ts"

const cases = [
  { name: "fnv32a() of nothing is the offset basis", input: "", want: 0x811c9dc5 },
  { name: "fnv32a() of 'a'", input: "a", want: 0xe40c292c },
  { name: "fnv32a() of 'foobar'", input: "foobar", want: 0xbf9cf968 },
]
for (const c of cases) {
  test(c.name, () => {
    assert.equal(fnv32a(new TextEncoder().encode(c.input)), c.want)
  })
}

test("safeEncodeString() maps digits onto the rand.String alphabet", () => {
  // '0' is 48: 48 % 27 = 21 -> '4'; '9' is 57: 57 % 27 = 3 -> 'f'.
  assert.equal(safeEncodeString("09"), "4f")
})

test("computeHash() ignores key order and changes with the collision count", () => {
  const a = {
    metadata: { labels: { app: "web", tier: "x" } },
    spec: { containers: [{ name: "c", image: "i" }] },
  }
  const b = {
    spec: { containers: [{ image: "i", name: "c" }] },
    metadata: { labels: { tier: "x", app: "web" } },
  }
  assert.equal(computeHash(a), computeHash(b))
  assert.notEqual(computeHash(a), computeHash(a, 1))
  assert.match(computeHash(a), /^[bcdfghjklmnpqrstvwxz2456789]+$/)
})

test("equalIgnoreHash() ignores the pod-template-hash label and empty maps", () => {
  const a = { metadata: { labels: { app: "web", "pod-template-hash": "abc" } }, spec: { containers: [] } }
  const b = { metadata: { labels: { app: "web" }, annotations: {} } }
  assert.equal(equalIgnoreHash(a, b), true)
  assert.equal(equalIgnoreHash(a, { metadata: { labels: { app: "db" } } }), false)
})

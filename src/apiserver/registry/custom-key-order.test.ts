import assert from "node:assert/strict"
import { test } from "node:test"
import { setInOrder, withSortedKeys } from "./custom-key-order.ts"

test("withSortedKeys() keeps a __proto__ key as a key, its prototype untouched", () => {
  const v = JSON.parse('{"spec":{"z":1,"__proto__":{"polluted":true},"a":[{"__proto__":1,"b":2,"a":3}]}}')
  const sorted = withSortedKeys(v)
  assert.equal(
    JSON.stringify(sorted),
    '{"spec":{"__proto__":{"polluted":true},"a":[{"__proto__":1,"a":3,"b":2}],"z":1}}',
  )
  assert.equal(Object.getPrototypeOf(sorted.spec), Object.prototype)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test("setInOrder() keeps a __proto__ key as a key", () => {
  const meta = JSON.parse('{"__proto__":{"x":1},"name":"w"}')
  assert.equal(JSON.stringify(setInOrder(meta, "b", 2)), '{"__proto__":{"x":1},"b":2,"name":"w"}')
})

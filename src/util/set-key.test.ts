import assert from "node:assert/strict"
import { test } from "node:test"
import { ownValue, setKey } from "./set-key.ts"

test("a __proto__ key is set as an own key, the prototype left alone", () => {
  const o: Record<string, unknown> = {}
  setKey(o, "__proto__", { x: 1 })
  setKey(o, "a", 2)
  assert.equal(Object.getPrototypeOf(o), Object.prototype)
  assert.equal(JSON.stringify(o), '{"__proto__":{"x":1},"a":2}')
})

test("ownValue reads only own keys", () => {
  assert.equal(ownValue({}, "__proto__"), undefined)
  assert.equal(ownValue({}, "toString"), undefined)
  assert.deepEqual(ownValue(JSON.parse('{"__proto__":{"x":1}}'), "__proto__"), { x: 1 })
})

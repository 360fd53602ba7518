import assert from "node:assert/strict"
import { test } from "node:test"
import { FieldSet } from "./field-set.ts"

const set = (json: unknown) => FieldSet.fromFieldsV1(json)

test("equals compares members, whatever the order or empty nodes on the way", () => {
  const a = set({ "f:status": { "f:phase": {}, "f:podIP": {} } })
  assert.ok(a.equals(set({ "f:status": { "f:podIP": {}, "f:phase": {} } })))
  assert.ok(a.equals(a))
  assert.ok(!a.equals(set({ "f:status": { "f:phase": {} } })))
  assert.ok(!a.equals(set({ "f:status": { ".": {}, "f:phase": {}, "f:podIP": {} } })))
  assert.ok(!set({ "f:status": { "f:phase": {} } }).equals(a))
  const withEmpty = a.union(new FieldSet())
  withEmpty.children.set("f:spec", new FieldSet())
  assert.ok(withEmpty.equals(a) && a.equals(withEmpty))
  const b = a.difference(set({ "f:status": { "f:podIP": {} } })).union(set({ "f:status": { "f:podIP": {} } }))
  assert.ok(b.equals(a))
})

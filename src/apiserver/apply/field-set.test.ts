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

/** The tree of a set: each node's member flag and children, empty nodes included. */
function tree(s: FieldSet): unknown {
  const kids = s.hasChildren() ? [...s.children].sort(([a], [b]) => (a < b ? -1 : 1)) : []
  return { member: s.member, children: kids.map(([pe, c]) => [pe, tree(c)]) }
}

test("readsBack() is true exactly when toFieldsV1's form reads back as the same tree", () => {
  const leafless = set({ "f:status": { "f:phase": {} } })
  leafless.children.get("f:status")!.children.set("f:podIP", new FieldSet())
  const rootMember = set({ "f:spec": { "f:replicas": {} } })
  rootMember.member = true
  const memberWithChildren = new FieldSet()
    .insert(["f:metadata", "f:labels"])
    .insert(["f:metadata", "f:labels", "f:app"])
  const cases: [string, FieldSet, boolean][] = [
    ["empty", new FieldSet(), true],
    [
      "read from FieldsV1",
      set({ "f:status": { ".": {}, "f:conditions": { 'k:{"type":"Ready"}': { ".": {}, "f:status": {} } } } }),
      true,
    ],
    ["built by insert", new FieldSet().insert(["f:spec", "f:replicas"]).insert(["f:status"]), true],
    ["a member with children", memberWithChildren, true],
    ["a union sharing subtrees", memberWithChildren.union(set({ "f:spec": { "f:replicas": {} } })), true],
    [
      "a difference",
      memberWithChildren.difference(set({ "f:metadata": { "f:labels": { "f:app": {} } } })),
      true,
    ],
    ["a node neither member nor parent", leafless, false],
    ["a member root", rootMember, false],
  ]
  for (const [name, s, expected] of cases) {
    assert.equal(s.readsBack(), expected, name)
    const same = JSON.stringify(tree(FieldSet.fromFieldsV1(s.toFieldsV1()))) === JSON.stringify(tree(s))
    assert.equal(same, expected, name)
  }
})

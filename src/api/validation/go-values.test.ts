import assert from "node:assert/strict"
import { test } from "node:test"
import { goLabelSelector, goStringMap } from "./go-values.ts"

test("goStringMap() prints as Go's %#v: keys sorted, nil when absent", () => {
  assert.equal(goStringMap({ b: "2", a: "1" }), 'map[string]string{"a":"1", "b":"2"}')
  assert.equal(goStringMap({}), "map[string]string{}")
  assert.equal(goStringMap(undefined), "map[string]string(nil)")
})

test("goLabelSelector() prints match expressions as Go's %#v", () => {
  assert.equal(
    goLabelSelector({ matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] }),
    'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"tier", Operator:"In", Values:[]string{"a", "b"}}}}',
  )
  assert.equal(goLabelSelector(null), "null")
})

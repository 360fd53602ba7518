import assert from "node:assert/strict"
import { test } from "node:test"
import { goLabelSelector, goScopeSelector, goStringMap, goStrings } from "./go-values.ts"

test("goStringMap() renders as Go's json.Marshal: keys sorted, null when absent", () => {
  assert.equal(goStringMap({ b: "2", a: "1" }), '{"a":"1","b":"2"}')
  assert.equal(goStringMap({}), "{}")
  assert.equal(goStringMap(undefined), "null")
  assert.equal(goStringMap({ "a<b": "x&y" }), '{"a\\u003cb":"x\\u0026y"}')
})

test("goStrings() renders a list as JSON, null when absent", () => {
  assert.deepEqual([goStrings(["a", "b"]), goStrings([]), goStrings(undefined)], ['["a","b"]', "[]", "null"])
})

test("goLabelSelector() renders the fields json.Marshal writes (omitempty ones left out)", () => {
  assert.equal(
    goLabelSelector({ matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] }),
    '{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}',
  )
  assert.equal(
    goLabelSelector({
      matchLabels: { b: "2", a: "1" },
      matchExpressions: [{ key: "k", operator: "Exists" }],
    }),
    '{"matchLabels":{"a":"1","b":"2"},"matchExpressions":[{"key":"k","operator":"Exists"}]}',
  )
  assert.equal(goLabelSelector({}), "{}")
  assert.equal(goLabelSelector(null), "null")
})

test("goScopeSelector() renders the internal type: Go's field names, nil values as null", () => {
  assert.equal(goScopeSelector({}), '{"MatchExpressions":null}')
  assert.equal(
    goScopeSelector({ matchExpressions: [{ scopeName: "BestEffort", operator: "Exists" }] }),
    '{"MatchExpressions":[{"ScopeName":"BestEffort","Operator":"Exists","Values":null}]}',
  )
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { NodeSelectorTerm } from "kubernetes-types/core/v1.js"
import { nodeSelectorTermMatches, nodeSelectorTermsMatch } from "../../../api/index.ts"
import { NodeInfo } from "../../framework/node-info.ts"
import { makeNode } from "../../_fixtures.ts"
import { compiledPreferred, compiledRequired, compileTerm } from "./compiled-terms.ts"

const terms: { name: string; term: NodeSelectorTerm }[] = [
  { name: "empty", term: {} },
  { name: "empty lists", term: { matchExpressions: [], matchFields: [] } },
  { name: "In", term: { matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] } },
  { name: "In without values", term: { matchExpressions: [{ key: "zone", operator: "In" }] } },
  { name: "NotIn", term: { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] } },
  { name: "Exists", term: { matchExpressions: [{ key: "disk", operator: "Exists" }] } },
  { name: "DoesNotExist", term: { matchExpressions: [{ key: "disk", operator: "DoesNotExist" }] } },
  { name: "Gt", term: { matchExpressions: [{ key: "cores", operator: "Gt", values: ["4"] }] } },
  { name: "Lt", term: { matchExpressions: [{ key: "cores", operator: "Lt", values: ["4"] }] } },
  {
    name: "unknown operator",
    term: { matchExpressions: [{ key: "zone", operator: "Like", values: ["a"] }] },
  },
  {
    name: "two requirements",
    term: {
      matchExpressions: [
        { key: "zone", operator: "In", values: ["a"] },
        { key: "disk", operator: "Exists" },
      ],
    },
  },
  {
    name: "metadata.name field",
    term: { matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] },
  },
  { name: "other field", term: { matchFields: [{ key: "spec.x", operator: "In", values: ["n1"] }] } },
]

const nodes = [
  makeNode("n1", { labels: { zone: "a", disk: "ssd", cores: "8" } }),
  makeNode("n2", { labels: { zone: "b", cores: "2" } }),
  makeNode("n3", { labels: {} }),
  makeNode("n4", { labels: { zone: "c", disk: "hdd", cores: "x" } }),
]

for (const { name, term } of terms) {
  test(`compileTerm agrees with nodeSelectorTermMatches: ${name}`, () => {
    const m = compileTerm(term)
    for (const n of nodes)
      assert.equal(m(new NodeInfo(n)), nodeSelectorTermMatches(term, n), n.metadata?.name)
  })
}

test("compiledRequired ORs the terms as nodeSelectorTermsMatch", () => {
  const all = terms.map((t) => t.term)
  for (let i = 0; i < all.length; i++) {
    const pair = [all[i] as NodeSelectorTerm, all[(i + 3) % all.length] as NodeSelectorTerm]
    for (const n of nodes)
      assert.equal(compiledRequired(pair)(new NodeInfo(n)), nodeSelectorTermsMatch(pair, n))
  }
  assert.equal(compiledRequired([])(new NodeInfo(nodes[0]!)), false)
})

test("compiledPreferred keeps the weighted terms and is compiled once per array", () => {
  const preferred = [
    { weight: 10, preference: terms[2]!.term },
    { weight: 0, preference: terms[5]!.term },
  ]
  const c = compiledPreferred(preferred)
  assert.equal(c.length, 1)
  assert.equal(c[0]?.weight, 10)
  assert.equal(compiledPreferred(preferred), c)
})

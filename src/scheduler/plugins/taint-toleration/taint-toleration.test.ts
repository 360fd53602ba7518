import assert from "node:assert/strict"
import { test } from "node:test"
import type { Taint, Toleration } from "kubernetes-types/core/v1.js"
import { cacheOf, cycle, makeNode, makePod } from "../../_fixtures.ts"
import { newTaintToleration } from "./taint-toleration.ts"

const cases: { name: string; taints: Taint[]; tolerations: Toleration[]; want: string; reason?: string }[] = [
  { name: "no taints", taints: [], tolerations: [], want: "Success" },
  {
    name: "NoSchedule untolerated",
    taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
    tolerations: [],
    want: "UnschedulableAndUnresolvable",
    reason: "node(s) had untolerated taint {dedicated: gpu}",
  },
  {
    name: "NoExecute untolerated",
    taints: [{ key: "k", value: "v", effect: "NoExecute" }],
    tolerations: [{ key: "k", value: "v", effect: "NoSchedule" }],
    want: "UnschedulableAndUnresolvable",
  },
  {
    name: "Equal toleration",
    taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
    tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
    want: "Success",
  },
  {
    name: "Exists without key tolerates all",
    taints: [{ key: "a", value: "b", effect: "NoExecute" }],
    tolerations: [{ operator: "Exists" }],
    want: "Success",
  },
  {
    name: "PreferNoSchedule does not filter",
    taints: [{ key: "a", effect: "PreferNoSchedule" }],
    tolerations: [],
    want: "Success",
  },
]
for (const c of cases) {
  test(`TaintToleration.filter: ${c.name}`, () => {
    const node = cacheOf([makeNode("n1", { taints: c.taints })]).get("n1")!
    const { state, pi } = cycle(makePod("p", { spec: { tolerations: c.tolerations } }))
    const s = newTaintToleration().filter(state, pi, node)
    assert.equal(s.code, c.want)
    if (c.reason) assert.deepEqual(s.reasons, [c.reason])
  })
}

test("TaintToleration.score: fewer intolerable PreferNoSchedule taints rank higher", () => {
  const cache = cacheOf([
    makeNode("clean"),
    makeNode("one", { taints: [{ key: "a", effect: "PreferNoSchedule" }] }),
    makeNode("two", {
      taints: [
        { key: "a", effect: "PreferNoSchedule" },
        { key: "b", effect: "PreferNoSchedule" },
      ],
    }),
    makeNode("tolerated", { taints: [{ key: "c", effect: "PreferNoSchedule" }] }),
  ])
  const { state, pi } = cycle(makePod("p", { spec: { tolerations: [{ key: "c", operator: "Exists" }] } }))
  const p = newTaintToleration()
  const nodes = cache.list()
  const scores = nodes.map((n) => p.score(state, pi, n))
  p.normalizeScore?.(state, pi, scores, nodes)
  assert.deepEqual(scores, [100, 50, 0, 100])
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { cacheOf, cycle, makeNode, makePod } from "../../_fixtures.ts"
import { newBalancedAllocation } from "./balanced-allocation.ts"

const cases: {
  name: string
  existing?: Record<string, string>
  requests?: Record<string, string>
  want: number | "Skip"
}[] = [
  { name: "equal fractions score 100", requests: { cpu: "1", memory: "4Gi" }, want: 100 },
  { name: "unequal fractions", requests: { cpu: "1", memory: "2Gi" }, want: 93 },
  {
    name: "existing pods count by their actual requests",
    existing: { cpu: "2" },
    requests: { cpu: "1", memory: "4Gi" },
    want: 75,
  },
  { name: "best-effort pods are not scored", want: "Skip" },
]
for (const c of cases) {
  test(`NodeResourcesBalancedAllocation.score: ${c.name}`, () => {
    const pods = c.existing ? [makePod("e", { node: "n1", requests: c.existing })] : []
    const node = cacheOf([makeNode("n1")], pods).get("n1")!
    const { state, pi } = cycle(makePod("p", c.requests ? { requests: c.requests } : {}))
    const p = newBalancedAllocation()
    const pre = p.preScore(state, pi, [node])
    if (c.want === "Skip") return assert.equal(pre.code, "Skip")
    assert.equal(p.score(state, pi, node), c.want)
  })
}

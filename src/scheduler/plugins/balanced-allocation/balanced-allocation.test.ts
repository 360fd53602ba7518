import assert from "node:assert/strict"
import { test } from "node:test"
import { cacheOf, cycle, makeNode, makePod } from "../../_fixtures.ts"
import { newBalancedAllocation } from "./balanced-allocation.ts"

const cases = [
  { name: "equal fractions score 100", requests: { cpu: "1", memory: "4Gi" }, want: 100 },
  { name: "unequal fractions", requests: { cpu: "1", memory: "2Gi" }, want: 93 },
  { name: "no requests count at the defaults", requests: undefined, want: 99 },
]
for (const c of cases) {
  test(`NodeResourcesBalancedAllocation.score: ${c.name}`, () => {
    const node = cacheOf([makeNode("n1")]).get("n1")!
    const { state, pi } = cycle(makePod("p", c.requests ? { requests: c.requests } : {}))
    assert.equal(newBalancedAllocation().score(state, pi, node), c.want)
  })
}

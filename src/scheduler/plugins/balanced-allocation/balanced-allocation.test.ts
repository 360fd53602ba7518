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

test("NodeResourcesBalancedAllocation.score: the cpu-and-memory shortcut agrees with the general score", () => {
  // A third resource the pods do not ask for leaves the score as it is but takes the general path.
  const general = newBalancedAllocation({
    resources: [
      { name: "cpu", weight: 1 },
      { name: "memory", weight: 1 },
      { name: "example.com/gpu", weight: 1 },
    ],
  })
  const shortcut = newBalancedAllocation()
  const nodes = [
    makeNode("n1"),
    makeNode("n2", { capacity: { cpu: "3", memory: "5Gi", pods: "10" } }),
    makeNode("n3", { capacity: { cpu: "0", memory: "1Gi", pods: "10" } }),
    makeNode("n4", { capacity: { memory: "7Gi", pods: "10" } }),
  ]
  const existing = [
    makePod("e1", { node: "n1", requests: { cpu: "1500m", memory: "3Gi" } }),
    makePod("e2", { node: "n2", requests: { cpu: "2900m" } }),
  ]
  const cache = cacheOf(nodes, existing)
  const pods: Record<string, string>[] = [
    { cpu: "1", memory: "2Gi" },
    { cpu: "250m" },
    { memory: "9Gi", cpu: "7" },
  ]
  for (const requests of pods) {
    const { state, pi } = cycle(makePod("p", { requests }))
    for (const n of cache.list()) {
      assert.equal(
        shortcut.score(state, pi, n),
        general.score(state, pi, n),
        `${n.name} ${JSON.stringify(requests)}`,
      )
    }
  }
})

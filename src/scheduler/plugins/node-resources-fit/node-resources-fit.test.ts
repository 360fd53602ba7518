import assert from "node:assert/strict"
import { test } from "node:test"
import { cacheOf, cycle, makeNode, makePod } from "../../_fixtures.ts"
import { newNodeResourcesFit, type NodeResourcesFitArgs } from "./node-resources-fit.ts"

const small = { cpu: "2", memory: "4Gi", pods: "2", "ephemeral-storage": "10Gi", "example.com/gpu": "1" }

const filterCases: {
  name: string
  existing: Record<string, string>[]
  pod: Record<string, string>
  want: string[]
}[] = [
  { name: "fits", existing: [], pod: { cpu: "1", memory: "1Gi" }, want: [] },
  { name: "insufficient cpu", existing: [{ cpu: "1500m" }], pod: { cpu: "1" }, want: ["Insufficient cpu"] },
  {
    name: "insufficient memory and storage",
    existing: [],
    pod: { memory: "5Gi", "ephemeral-storage": "11Gi" },
    want: ["Insufficient memory", "Insufficient ephemeral-storage"],
  },
  {
    name: "extended resource",
    existing: [{ "example.com/gpu": "1" }],
    pod: { "example.com/gpu": "1" },
    want: ["Insufficient example.com/gpu"],
  },
  { name: "too many pods", existing: [{}, {}], pod: {}, want: ["Too many pods"] },
]
for (const c of filterCases) {
  test(`NodeResourcesFit.filter: ${c.name}`, () => {
    const existing = c.existing.map((r, i) => makePod(`e${i}`, { requests: r, node: "n1" }))
    const node = cacheOf([makeNode("n1", { capacity: small })], existing).get("n1")!
    const { state, pi } = cycle(makePod("p", { requests: c.pod }))
    const s = newNodeResourcesFit().filter(state, pi, node)
    assert.equal(s.code, c.want.length ? "Unschedulable" : "Success")
    assert.deepEqual(s.reasons, c.want)
  })
}

const scoreCases: { name: string; args: NodeResourcesFitArgs; want: number }[] = [
  { name: "LeastAllocated (default)", args: {}, want: 81 },
  { name: "MostAllocated", args: { scoringStrategy: { type: "MostAllocated" } }, want: 18 },
  {
    name: "RequestedToCapacityRatio bin packing shape",
    args: {
      scoringStrategy: {
        type: "RequestedToCapacityRatio",
        requestedToCapacityRatio: {
          shape: [
            { utilization: 0, score: 0 },
            { utilization: 100, score: 10 },
          ],
        },
      },
    },
    want: 19,
  },
  {
    name: "weights by resource",
    args: {
      scoringStrategy: {
        type: "LeastAllocated",
        resources: [
          { name: "cpu", weight: 3 },
          { name: "memory", weight: 1 },
        ],
      },
    },
    want: 78,
  },
]
for (const c of scoreCases) {
  test(`NodeResourcesFit.score: ${c.name}`, () => {
    const node = cacheOf([makeNode("n1")]).get("n1")!
    const { state, pi } = cycle(makePod("p", { requests: { cpu: "1", memory: "2Gi" } }))
    assert.equal(newNodeResourcesFit(c.args).score(state, pi, node), c.want)
  })
}

test("NodeResourcesFit.score: the cpu-and-memory shortcut agrees with the general scorer", () => {
  // A third resource the pods do not ask for leaves the score as it is but takes the general path.
  const general = newNodeResourcesFit({
    scoringStrategy: {
      resources: [
        { name: "cpu", weight: 2 },
        { name: "memory", weight: 2 },
        { name: "example.com/gpu", weight: 5 },
      ],
    },
  })
  const shortcut = newNodeResourcesFit({
    scoringStrategy: {
      resources: [
        { name: "memory", weight: 2 },
        { name: "cpu", weight: 2 },
      ],
    },
  })
  const nodes = [
    makeNode("n1"),
    makeNode("n2", { capacity: { cpu: "3", memory: "5Gi", pods: "10" } }),
    makeNode("n3", { capacity: { cpu: "0", memory: "1Gi", pods: "10" } }),
    makeNode("n4", { capacity: { memory: "7Gi", pods: "10" } }),
  ]
  const existing = [
    makePod("e1", { node: "n1", requests: { cpu: "1500m", memory: "3Gi" } }),
    makePod("e2", { node: "n2", requests: { cpu: "2900m" } }),
    makePod("e3", { node: "n4" }),
  ]
  const cache = cacheOf(nodes, existing)
  const pods: Record<string, string>[] = [
    { cpu: "1", memory: "2Gi" },
    { cpu: "250m" },
    {},
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

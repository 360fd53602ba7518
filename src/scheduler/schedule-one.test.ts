import assert from "node:assert/strict"
import { test } from "node:test"
import { cacheOf, cycle, frameworkOf, makeNode, makePod } from "./_fixtures.ts"
import { FitError, GenericScheduler, numFeasibleNodesToFind } from "./schedule-one.ts"

const sampling = [
  { name: "small clusters: every node", pct: 0, nodes: 50, want: 50 },
  { name: "adaptive on 1000 nodes: 42%", pct: 0, nodes: 1000, want: 420 },
  { name: "adaptive on 5000 nodes: 10%", pct: 0, nodes: 5000, want: 500 },
  { name: "adaptive never below 5%", pct: 0, nodes: 6000, want: 300 },
  { name: "never fewer than 100", pct: 0, nodes: 200, want: 100 },
  { name: "configured percentage", pct: 20, nodes: 5000, want: 1000 },
  { name: "100% means all", pct: 100, nodes: 5000, want: 5000 },
]
for (const c of sampling) {
  test(`numFeasibleNodesToFind(): ${c.name}`, () => {
    assert.equal(numFeasibleNodesToFind(c.pct, c.nodes), c.want)
  })
}

test("schedule() reports every node's reason in upstream's message shape", () => {
  const taint = [{ key: "k", value: "v", effect: "NoSchedule" }]
  const cache = cacheOf([
    makeNode("small", { capacity: { cpu: "1", memory: "1Gi", pods: "10" } }),
    makeNode("t1", { taints: taint }),
    makeNode("t2", { taints: taint }),
  ])
  const { state, pi } = cycle(makePod("p", { requests: { cpu: "2" } }))
  const r = new GenericScheduler().schedule(frameworkOf(cache), { state, pod: pi, snapshot: cache })
  assert.ok(r instanceof FitError)
  assert.equal(
    r.message,
    "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.",
  )
})

test("schedule() with no nodes says so", () => {
  const cache = cacheOf([])
  const { state, pi } = cycle(makePod("p"))
  const r = new GenericScheduler().schedule(frameworkOf(cache), { state, pod: pi, snapshot: cache })
  assert.ok(r instanceof FitError)
  assert.equal(r.message, "no nodes available to schedule pods")
})

test("schedule() picks the least allocated node and counts only a sample on large clusters", () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => makeNode(`n${i}`))
  const busy = nodes
    .slice(1)
    .map((n, i) => makePod(`b${i}`, { node: n.metadata!.name!, requests: { cpu: "3", memory: "8Gi" } }))
  const cache = cacheOf(nodes, busy)
  const { state, pi } = cycle(makePod("p", { requests: { cpu: "1", memory: "1Gi" } }))
  const r = new GenericScheduler().schedule(frameworkOf(cache), { state, pod: pi, snapshot: cache })
  assert.ok(!(r instanceof FitError))
  assert.equal(r.suggestedHost, "n0")
  assert.equal(r.feasibleNodes, 420)
})

test("schedule() tries the nominated node first", () => {
  const cache = cacheOf([
    makeNode("roomy", { capacity: { cpu: "64", memory: "64Gi", pods: "110" } }),
    makeNode("nominated"),
  ])
  const pod = makePod("p", { requests: { cpu: "1" } })
  const { state, pi } = cycle({ ...pod, status: { nominatedNodeName: "nominated" } })
  const r = new GenericScheduler().schedule(frameworkOf(cache), { state, pod: pi, snapshot: cache })
  assert.ok(!(r instanceof FitError))
  assert.equal(r.suggestedHost, "nominated")
})

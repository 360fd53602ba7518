import assert from "node:assert/strict"
import { test } from "node:test"
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { cacheOf, cycle, frameworkOf, makeNode, makePod } from "../../_fixtures.ts"
import { FitError, GenericScheduler } from "../../schedule-one.ts"

const node = (name: string, cpu: string, taints = false): Node =>
  makeNode(name, {
    capacity: { cpu, memory: "16Gi", pods: "110" },
    ...(taints ? { taints: [{ key: "k", value: "v", effect: "NoSchedule" }] } : {}),
  })
const running = (name: string, nodeName: string, cpu: string, priority: number) =>
  makePod(name, { node: nodeName, requests: { cpu }, priority })

const protectedApp = {
  matches: (l?: Readonly<Record<string, string>>) => l?.app === "guarded",
  disruptionsAllowed: 0,
  disrupted: new Set<string>(),
}

const cases: {
  name: string
  nodes: Node[]
  pods: Pod[]
  pod: Pod
  budgets?: boolean
  wantNode?: string
  wantMsg?: string
}[] = [
  {
    name: "evicts the lower-priority pod",
    nodes: [node("n1", "2")],
    pods: [running("low", "n1", "2", 0)],
    pod: makePod("high", { requests: { cpu: "1" }, priority: 100 }),
    wantNode: "n1",
  },
  {
    name: "reprieves the more important of two victims",
    nodes: [node("n1", "4")],
    pods: [running("mid", "n1", "2", 10), running("low", "n1", "2", 0)],
    pod: makePod("high", { requests: { cpu: "2" }, priority: 100 }),
    wantNode: "n1",
  },
  {
    name: "picks the node whose victims matter least",
    nodes: [node("n1", "2"), node("n2", "2")],
    pods: [running("mid", "n1", "2", 50), running("low", "n2", "2", 1)],
    pod: makePod("high", { requests: { cpu: "1" }, priority: 100 }),
    wantNode: "n2",
  },
  {
    name: "without budgets the least important victim's node wins",
    nodes: [node("n1", "2"), node("n2", "2")],
    pods: [
      makePod("guarded", { node: "n1", requests: { cpu: "2" }, priority: 1, labels: { app: "guarded" } }),
      running("plain", "n2", "2", 5),
    ],
    pod: makePod("high", { requests: { cpu: "1" }, priority: 100 }),
    wantNode: "n1",
  },
  {
    name: "a PodDisruptionBudget with no disruptions left steers preemption elsewhere",
    nodes: [node("n1", "2"), node("n2", "2")],
    pods: [
      makePod("guarded", { node: "n1", requests: { cpu: "2" }, priority: 1, labels: { app: "guarded" } }),
      running("plain", "n2", "2", 5),
    ],
    pod: makePod("high", { requests: { cpu: "1" }, priority: 100 }),
    budgets: true,
    wantNode: "n2",
  },
  {
    name: "no victims among equal priorities; tainted nodes are not helped",
    nodes: [node("n1", "1"), node("n2", "1"), node("n3", "8", true)],
    pods: [running("a", "n1", "1", 100), running("b", "n2", "1", 100)],
    pod: makePod("high", { requests: { cpu: "1" }, priority: 100 }),
    wantMsg:
      "0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
  },
  {
    name: "preemptionPolicy Never is not eligible",
    nodes: [node("n1", "1")],
    pods: [running("low", "n1", "1", 0)],
    pod: makePod("high", { requests: { cpu: "1" }, priority: 100, spec: { preemptionPolicy: "Never" } }),
    wantMsg:
      "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
  },
]
for (const c of cases) {
  test(`DefaultPreemption.postFilter: ${c.name}`, async () => {
    const cache = cacheOf(c.nodes, c.pods)
    const fwk = frameworkOf(cache, {}, c.budgets ? { disruptionBudgets: () => [protectedApp] } : {})
    const { state, pi } = cycle(c.pod)
    const r = new GenericScheduler().schedule(fwk, { state, pod: pi, snapshot: cache })
    assert.ok(r instanceof FitError)
    const post = await fwk.runPostFilter(state, pi, r.statuses, new AbortController().signal)
    if (c.wantMsg) {
      r.postFilterMsg = post.status.reasons.join(", ")
      assert.equal(r.message, c.wantMsg)
      return
    }
    assert.equal(post.status.code, "Success")
    assert.equal(post.nominatedNodeName, c.wantNode)
  })
}

test("selectVictims(): keeps the pods that can stay", async () => {
  const { selectVictims } = await import("./victims.ts")
  const cache = cacheOf([node("n1", "4")], [running("mid", "n1", "2", 10), running("low", "n1", "2", 0)])
  const fwk = frameworkOf(cache)
  const { state, pi } = cycle(makePod("high", { requests: { cpu: "2" }, priority: 100 }))
  fwk.runPreFilter(state, pi)
  const r = selectVictims(fwk.handle, { state, pod: pi, node: cache.get("n1")! })
  assert.ok("victims" in r)
  assert.deepEqual(
    r.victims.map((v) => v.pod.metadata?.name),
    ["low"],
  )
})

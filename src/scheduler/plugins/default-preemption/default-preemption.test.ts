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

/** Runs a scheduling attempt that fails and then preemption; returns what preemption said. */
async function preemptFor(nodes: Node[], pods: Pod[], incoming: Pod) {
  const cache = cacheOf(nodes, pods)
  const fwk = frameworkOf(cache)
  const { state, pi } = cycle(incoming)
  const r = new GenericScheduler().schedule(fwk, { state, pod: pi, snapshot: cache })
  assert.ok(r instanceof FitError, "the pod fits nowhere without preemption")
  return fwk.runPostFilter(state, pi, r.statuses, new AbortController().signal)
}

const HOST = "kubernetes.io/hostname"
const ZONE = "topology.kubernetes.io/zone"
const antiWeb = {
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchLabels: { app: "web" } }, topologyKey: HOST },
    ],
  },
}

test("DefaultPreemption: the what-if removes victims from the incoming pod's anti-affinity counts", async () => {
  // GIVEN a lower-priority web pod the incoming pod's anti-affinity avoids, and room to spare
  const post = await preemptFor(
    [node("n1", "4")],
    [makePod("web", { node: "n1", requests: { cpu: "100m" }, priority: 0, labels: { app: "web" } })],
    makePod("solo", { requests: { cpu: "100m" }, priority: 100, spec: { affinity: antiWeb } }),
  )
  // THEN evicting it helps: the node is nominated
  assert.equal(post.status.code, "Success")
  assert.equal(post.nominatedNodeName, "n1")
})

test("DefaultPreemption: the what-if removes victims whose own anti-affinity rejects the incoming pod", async () => {
  const post = await preemptFor(
    [node("n1", "4")],
    [
      makePod("loner", {
        node: "n1",
        requests: { cpu: "100m" },
        priority: 0,
        spec: {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { app: "web" } }, topologyKey: HOST },
              ],
            },
          },
        },
      }),
    ],
    makePod("web", { requests: { cpu: "100m" }, priority: 100, labels: { app: "web" } }),
  )
  assert.equal(post.nominatedNodeName, "n1")
})

test("DefaultPreemption: the what-if keeps PodTopologySpread counts current, so one victim is enough", async () => {
  // GIVEN zone a: two low pods of app x on a 2-cpu node; zone b: one important pod of app x, full
  const zoned = (name: string, zone: string) => {
    const n = node(name, "2")
    n.metadata = { ...n.metadata, labels: { ...n.metadata?.labels, [ZONE]: zone } }
    return n
  }
  const x = (name: string, nodeName: string, cpu: string, priority: number, startTime?: string): Pod => ({
    ...makePod(name, { node: nodeName, requests: { cpu }, priority, labels: { app: "x" } }),
    ...(startTime ? { status: { startTime } } : {}),
  })
  const l1 = x("l1", "a1", "1", 0, "2026-01-01T00:00:00Z")
  const l2 = x("l2", "a1", "1", 0, "2026-01-02T00:00:00Z")
  const spread = {
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: ZONE,
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { app: "x" } },
      },
    ],
  }
  const cache = cacheOf([zoned("a1", "a"), zoned("b1", "b")], [l1, l2, x("h", "b1", "2", 100)])
  const fwk = frameworkOf(cache)
  const { state, pi } = cycle(
    makePod("p", { requests: { cpu: "1" }, priority: 50, labels: { app: "x" }, spec: spread }),
  )
  const r = new GenericScheduler().schedule(fwk, { state, pod: pi, snapshot: cache })
  assert.ok(r instanceof FitError)
  const { selectVictims } = await import("./victims.ts")
  // WHEN the dry run runs on a1 (skew 2+1-1 = 2 before; with l1 back and l2 gone, 1+1-1 = 1)
  const v = selectVictims(fwk.handle, { state: state.clone(), pod: pi, node: cache.get("a1")!.clone() })
  // THEN only the later-started l2 goes
  assert.ok("victims" in v)
  assert.deepEqual(
    v.victims.map((p) => p.pod.metadata?.name),
    ["l2"],
  )
  // AND the scheduling cycle's own state is untouched
  assert.equal(fwk.runFilter(state, pi, cache.get("a1")!).code, "Unschedulable")
})

test("pickOne follows upstream's order: PDB violations, highest priority, sum, count, start", async () => {
  const { pickOne } = await import("./victims.ts")
  const v = (priority: number, startTime?: string) =>
    cycle({ ...makePod(`v${priority}`, { priority }), ...(startTime ? { status: { startTime } } : {}) }).pi
  const c = (node: string, victims: ReturnType<typeof v>[], violations = 0) => ({ node, victims, violations })
  const pick = (...cs: ReturnType<typeof c>[]) => pickOne(cs)?.node
  assert.equal(pick(c("a", [v(1)], 1), c("b", [v(50)], 0)), "b")
  assert.equal(pick(c("a", [v(10)]), c("b", [v(5), v(5), v(5)])), "b")
  assert.equal(pick(c("a", [v(5), v(4)]), c("b", [v(5), v(1)])), "b")
  assert.equal(pick(c("a", [v(5), v(-1), v(-1)]), c("b", [v(5), v(-2)])), "b")
  assert.equal(pick(c("a", [v(5), v(0)]), c("b", [v(5)])), "b")
  // The node whose highest-priority victims started latest (earliest of them counts) wins.
  assert.equal(
    pick(
      c("a", [v(5, "2026-01-03T00:00:00Z"), v(5, "2026-01-01T00:00:00Z")]),
      c("b", [v(5, "2026-01-02T00:00:00Z"), v(5, "2026-01-02T00:00:00Z")]),
    ),
    "b",
  )
})

test("DefaultPreemption: no candidate clears the pod's nomination", async () => {
  const post = await preemptFor(
    [node("n1", "1")],
    [running("peer", "n1", "1", 100)],
    makePod("high", { requests: { cpu: "1" }, priority: 100, spec: {} }),
  )
  assert.equal(post.status.code, "Unschedulable")
  assert.equal(post.nominatedNodeName, "")
  assert.deepEqual(post.status.reasons, [
    "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  ])
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { NodeSelectorTerm, Pod } from "kubernetes-types/core/v1.js"
import { NodeInfo } from "../../framework/node-info.ts"
import { newPodInfo } from "../../framework/pod-info.ts"
import { compileSelector } from "../../framework/selector.ts"
import {
  countMatching,
  countsEveryNode,
  defaultConstraints,
  nodeCounts,
  ownConstraints,
  SYSTEM_DEFAULT_CONSTRAINTS,
} from "./constraints.ts"

function pod(name: string, labels: Record<string, string>, extra: Partial<Pod["metadata"]> = {}): Pod {
  return {
    metadata: { name, namespace: "default", uid: name, labels, ...extra },
    spec: { nodeName: "n1", containers: [{ name: "c" }] },
  }
}

test("countMatching counts again once the node's pods change, or for another selector or namespace", () => {
  const node = new NodeInfo({ metadata: { name: "n1" } })
  const web = compileSelector({ matchLabels: { app: "web" } })
  const [c] = defaultConstraints(SYSTEM_DEFAULT_CONSTRAINTS, web)
  const incoming = newPodInfo(pod("new", { app: "web" }))
  node.addPod(newPodInfo(pod("a", { app: "web" })))
  node.addPod(newPodInfo(pod("b", { app: "db" })))
  assert.equal(countMatching(c!, incoming, node), 1)
  assert.equal(countMatching(c!, incoming, node), 1)
  node.addPod(newPodInfo(pod("c", { app: "web" })))
  assert.equal(countMatching(c!, incoming, node), 2)
  // A terminating pod no longer counts.
  node.replacePod(newPodInfo(pod("c", { app: "web" }, { deletionTimestamp: "2026-01-01T00:00:00Z" })))
  assert.equal(countMatching(c!, incoming, node), 1)
  const [db] = defaultConstraints(SYSTEM_DEFAULT_CONSTRAINTS, compileSelector({ matchLabels: { app: "db" } }))
  assert.equal(countMatching(db!, incoming, node), 1)
  const elsewhere = newPodInfo({ ...pod("x", { app: "web" }), metadata: { name: "x", namespace: "other" } })
  assert.equal(countMatching(c!, elsewhere, node), 0)
})

test("countMatching stays right as pods leave, in a clone, and for a selector asked again after others", () => {
  const node = new NodeInfo({ metadata: { name: "n1" } })
  const incoming = newPodInfo(pod("new", { app: "web" }))
  const constraint = (app: string) =>
    defaultConstraints(SYSTEM_DEFAULT_CONSTRAINTS, compileSelector({ matchLabels: { app } }))[0]!
  const web = constraint("web")
  node.addPod(newPodInfo(pod("a", { app: "web" })))
  node.addPod(newPodInfo(pod("b", { app: "web" })))
  assert.equal(countMatching(web, incoming, node), 2)
  const what = node.clone()
  what.removePod("a")
  assert.equal(countMatching(web, incoming, what), 1)
  assert.equal(countMatching(web, incoming, node), 2, "the clone's change stays in the clone")
  // Relabelled out of the selector, then removed.
  node.replacePod(newPodInfo(pod("b", { app: "db" })))
  assert.equal(countMatching(web, incoming, node), 1)
  node.removePod("a")
  assert.equal(countMatching(web, incoming, node), 0)
  // Other selectors asked in between push this one's count out; it is counted again.
  for (const app of ["db", "x", "y", "z", "w"]) countMatching(constraint(app), incoming, node)
  node.addPod(newPodInfo(pod("c", { app: "web" })))
  assert.equal(countMatching(web, incoming, node), 1)
  assert.equal(countMatching(constraint("db"), incoming, node), 1)
})

test("countsEveryNode holds only where nodeCounts holds for every node", () => {
  const nodes = [
    new NodeInfo({ metadata: { name: "a", labels: { disk: "ssd" } } }),
    new NodeInfo({ metadata: { name: "b" }, spec: { taints: [{ key: "k", effect: "NoSchedule" }] } }),
  ]
  const [byDefault] = defaultConstraints(SYSTEM_DEFAULT_CONSTRAINTS, compileSelector({ matchLabels: {} }))
  const spread = (policies: Record<string, string>) => ({
    maxSkew: 1,
    topologyKey: "kubernetes.io/hostname",
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: { app: "web" } },
    ...policies,
  })
  const withSpec = (spec: Partial<NonNullable<Pod["spec"]>>, policies: Record<string, string> = {}) => {
    const p = pod("p", { app: "web" })
    return newPodInfo({
      ...p,
      spec: { containers: [], ...spec, topologySpreadConstraints: [spread(policies)] },
    })
  }
  const required = (terms: NodeSelectorTerm[]) => ({
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
    },
  })
  const cases = [
    { name: "no node affinity", pi: withSpec({}), want: true },
    { name: "an empty nodeSelector", pi: withSpec({ nodeSelector: {} }), want: true },
    { name: "a nodeSelector", pi: withSpec({ nodeSelector: { disk: "ssd" } }), want: false },
    {
      name: "nodeSelector ignored by policy",
      pi: withSpec({ nodeSelector: { disk: "ssd" } }, { nodeAffinityPolicy: "Ignore" }),
      want: true,
    },
    {
      name: "required terms",
      pi: withSpec(required([{ matchExpressions: [{ key: "disk", operator: "Exists" }] }])),
      want: false,
    },
    { name: "an empty list of terms", pi: withSpec(required([])), want: false },
    { name: "taints honoured", pi: withSpec({}, { nodeTaintsPolicy: "Honor" }), want: false },
  ]
  for (const c of cases) {
    const [own] = ownConstraints(c.pi.pod, "ScheduleAnyway")
    for (const constraint of [own!, byDefault!]) {
      const every = countsEveryNode(constraint, c.pi)
      if (constraint === own) assert.equal(every, c.want, c.name)
      // A shortcut only: when it holds, nodeCounts agrees on every node.
      if (every) for (const n of nodes) assert.equal(nodeCounts(constraint, c.pi, n), true, c.name)
    }
  }
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { PodObject } from "../set-pods/index.ts"
import type { NodeToPods } from "./manage.ts"
import type { DaemonSetObject, NodeObject } from "./placement.ts"
import { planRollingUpdate, scaledValue } from "./update.ts"

describe("scaledValue", () => {
  const cases = [
    { name: "an int stays", input: 2 as number | string, total: 10, want: 2 },
    { name: "a percentage rounds up", input: "25%", total: 10, want: 3 },
    { name: "zero percent", input: "0%", total: 10, want: 0 },
    { name: "unset", input: undefined, total: 10, want: 0 },
  ]
  for (const c of cases) test(c.name, () => assert.equal(scaledValue(c.input, c.total), c.want))
})

const NOW = Date.UTC(2026, 0, 1)
const ready = {
  phase: "Running",
  conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z" }],
}

function pod(name: string, node: string, hash: string, status: object = ready): PodObject {
  return {
    metadata: { name, namespace: "n", labels: { "controller-revision-hash": hash } },
    spec: { nodeName: node, containers: [] },
    status,
  } as PodObject
}

function input(rollingUpdate: object, pods: PodObject[]) {
  const nodes: NodeObject[] = ["a", "b", "c", "d"].map((name) => ({ metadata: { name } }))
  const ds: DaemonSetObject = {
    metadata: { name: "d", namespace: "n" },
    spec: {
      selector: {},
      template: { spec: { containers: [] } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate },
    },
  }
  const nodeToPods: NodeToPods = new Map()
  for (const p of pods)
    nodeToPods.set(p.spec?.nodeName ?? "", [...(nodeToPods.get(p.spec?.nodeName ?? "") ?? []), p])
  return { ds, nodes, nodeToPods, hash: "new", now: NOW }
}

describe("planRollingUpdate", () => {
  const old = ["a", "b", "c", "d"].map((n) => pod(`p-${n}`, n, "old"))
  test("deletes up to maxUnavailable old pods", () => {
    const plan = planRollingUpdate(input({ maxUnavailable: "50%", maxSurge: 0 }, old))
    assert.deepEqual(
      plan.podsToDelete.map((p) => p.metadata?.name),
      ["p-a", "p-b"],
    )
    assert.deepEqual(plan.nodesToCreate, [])
  })
  test("counts nodes whose new pod is not yet available against maxUnavailable", () => {
    const pods = [pod("n-a", "a", "new", { phase: "Pending" }), ...old.slice(1)]
    const plan = planRollingUpdate(input({ maxUnavailable: 1, maxSurge: 0 }, pods))
    assert.deepEqual(plan.podsToDelete, [])
  })
  test("replaces old pods that are unavailable anyway", () => {
    const pods = [pod("o-a", "a", "old", { phase: "Pending" }), ...old.slice(1)]
    const plan = planRollingUpdate(input({ maxUnavailable: 1, maxSurge: 0 }, pods))
    assert.deepEqual(
      plan.podsToDelete.map((p) => p.metadata?.name),
      ["o-a"],
    )
  })
  test("surges onto up to maxSurge nodes and deletes an old pod once its replacement is available", () => {
    const pods = [pod("n-a", "a", "new"), ...old]
    const plan = planRollingUpdate(input({ maxUnavailable: 0, maxSurge: 2 }, pods))
    assert.deepEqual(
      plan.podsToDelete.map((p) => p.metadata?.name),
      ["p-a"],
    )
    assert.deepEqual(plan.nodesToCreate, ["b", "c"])
  })
})

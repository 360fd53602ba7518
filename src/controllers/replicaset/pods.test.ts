import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { compareForDeletion, isPodAvailable, podsToDelete } from "./pods.ts"

function pod(
  name: string,
  o: { node?: string; phase?: string; readyAt?: string; restarts?: number; created?: string },
): Pod {
  return {
    metadata: { name, ...(o.created ? { creationTimestamp: o.created } : {}) },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      ...(o.phase ? { phase: o.phase } : {}),
      ...(o.readyAt
        ? { conditions: [{ type: "Ready", status: "True", lastTransitionTime: o.readyAt }] }
        : {}),
      containerStatuses: [
        { name: "c", image: "", imageID: "", ready: !!o.readyAt, restartCount: o.restarts ?? 0 },
      ],
    },
  }
}

const T0 = "2026-01-01T00:00:00Z"
const T1 = "2026-01-01T00:01:00Z"
const cases = [
  { name: "unassigned before assigned", input: [pod("b", { node: "n" }), pod("a", {})], want: ["a", "b"] },
  {
    name: "Pending before Unknown before Running",
    input: [
      pod("r", { node: "n", phase: "Running" }),
      pod("u", { node: "n", phase: "Unknown" }),
      pod("p", { node: "n", phase: "Pending" }),
    ],
    want: ["p", "u", "r"],
  },
  {
    name: "not ready before ready",
    input: [pod("ready", { phase: "Running", readyAt: T0 }), pod("not", { phase: "Running" })],
    want: ["not", "ready"],
  },
  {
    name: "more recently ready first",
    input: [pod("old", { phase: "Running", readyAt: T0 }), pod("new", { phase: "Running", readyAt: T1 })],
    want: ["new", "old"],
  },
  {
    name: "more restarts first",
    input: [pod("few", { restarts: 1 }), pod("many", { restarts: 5 })],
    want: ["many", "few"],
  },
  {
    name: "newer first",
    input: [pod("older", { created: T0 }), pod("newer", { created: T1 })],
    want: ["newer", "older"],
  },
]
for (const c of cases) {
  test(`compareForDeletion(): ${c.name}`, () => {
    assert.deepEqual(
      [...c.input].sort(compareForDeletion).map((p) => p.metadata?.name),
      c.want,
    )
  })
}

test("isPodAvailable() needs the pod ready for longer than minReadySeconds", () => {
  const p = pod("a", { phase: "Running", readyAt: T0 })
  const t0 = Date.parse(T0)
  assert.equal(isPodAvailable(p, 0, t0), true)
  assert.equal(isPodAvailable(p, 10, t0 + 10_000), false)
  assert.equal(isPodAvailable(p, 10, t0 + 10_001), true)
  assert.equal(isPodAvailable(pod("b", {}), 0, t0), false)
})

test("compareForDeletion(): a lower pod-deletion-cost goes first", () => {
  const cheap = pod("cheap", { created: T0 })
  const dear = pod("dear", { created: T1 })
  ;(cheap.metadata as { annotations?: Record<string, string> }).annotations = {
    "controller.kubernetes.io/pod-deletion-cost": "-5",
  }
  assert.deepEqual(
    [dear, cheap].sort(compareForDeletion).map((p) => p.metadata?.name),
    ["cheap", "dear"],
  )
})

test("podsToDelete(): among equals, pods doubled up on a node go first", () => {
  const a = pod("a", { node: "n1", phase: "Running", readyAt: T1 })
  const b = pod("b", { node: "n2", phase: "Running", readyAt: T0 })
  const sibling = pod("sibling", { node: "n2", phase: "Running", readyAt: T0 })
  assert.deepEqual(
    podsToDelete([a, b], [a, b, sibling], 1).map((p) => p.metadata?.name),
    ["b"],
  )
  assert.deepEqual(
    podsToDelete([a, b], [a, b], 1).map((p) => p.metadata?.name),
    ["a"],
  )
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { compareForDeletion, POD_DELETION_COST_ANNOTATION, podsToDelete, readiness } from "./pods.ts"

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

test("readiness() needs the pod ready for longer than minReadySeconds to call it available", () => {
  const p = pod("a", { phase: "Running", readyAt: T0 })
  const t0 = Date.parse(T0)
  assert.equal(readiness(p, 0, t0), "available")
  assert.equal(readiness(p, 10, t0 + 10_000), "ready")
  assert.equal(readiness(p, 10, t0 + 10_001), "available")
  assert.equal(readiness(pod("b", {}), 0, t0), "unready")
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

/** Freezes all the way down, as an informer cache does. */
function frozen<T>(obj: T): T {
  if (typeof obj === "object" && obj !== null) {
    for (const v of Object.values(obj)) frozen(v)
    Object.freeze(obj)
  }
  return obj
}

/** Pods of every rank criterion, many of them equal on all: a deterministic pseudo-random mix. */
function mixedPods(seed: number, count: number): Pod[] {
  let x = seed
  const next = (range: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31
    return x % range
  }
  const times = [T0, T1, "2026-01-01T00:02:00Z"]
  return Array.from({ length: count }, (_, i) => {
    const p = pod(`p${i}`, {
      ...(next(4) ? { node: `n${next(3)}` } : {}),
      phase: ["Pending", "Unknown", "Running", "Running", "Running"][next(5)] as string,
      ...(next(3) ? { readyAt: times[next(3)] as string } : {}),
      restarts: next(4) === 0 ? next(3) : 0,
      created: times[next(3)] as string,
    })
    if (next(6) === 0) {
      ;(p.metadata as { annotations?: Record<string, string> }).annotations = {
        [POD_DELETION_COST_ANNOTATION]: String(next(3) - 1),
      }
    }
    return p
  })
}

const names = (pods: readonly Pod[]) => pods.map((p) => p.metadata?.name)

test("podsToDelete(): the first n of the stable order of compareForDeletion, for every n", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    for (const freeze of [false, true]) {
      const pods = mixedPods(seed, 60)
      if (freeze) frozen(pods)
      // No related pods: no pod is co-located, so the order is compareForDeletion's alone.
      const want = names([...pods].sort(compareForDeletion))
      for (let n = 0; n <= pods.length + 1; n++) {
        assert.deepEqual(names(podsToDelete(pods, [], n)), want.slice(0, n), `seed ${seed}, n ${n}`)
      }
    }
  }
})

test("podsToDelete(): with co-location, each n gives the head of the full order, frozen or not", () => {
  for (const seed of [6, 7, 8]) {
    const pods = mixedPods(seed, 80)
    const related = [...pods, ...mixedPods(seed + 100, 40)]
    const all = names(podsToDelete(pods, related, pods.length))
    const copy = frozen(structuredClone(pods))
    for (const n of [1, 2, 5, 13, 20, 40, 79, 80]) {
      assert.deepEqual(names(podsToDelete(pods, related, n)), all.slice(0, n), `seed ${seed}, n ${n}`)
      assert.deepEqual(names(podsToDelete(copy, related, n)), all.slice(0, n), `frozen, seed ${seed}, n ${n}`)
    }
  }
})

test("podsToDelete(): a malformed creation time orders as a stable sort does", () => {
  const pods = [
    pod("a", { created: T1 }),
    pod("bad", { created: "yesterday" }),
    pod("b", { created: T0 }),
    pod("c", { created: T1 }),
  ]
  assert.deepEqual(names(podsToDelete(pods, [], 2)), names([...pods].sort(compareForDeletion)).slice(0, 2))
})

test("podsToDelete(): a new version of a frozen pod is ranked by its own fields", () => {
  const ready = frozen(pod("ready", { node: "n", phase: "Running", readyAt: T0 }))
  const other = frozen(pod("other", { node: "n", phase: "Running", readyAt: T1 }))
  assert.deepEqual(names(podsToDelete([ready, other], [], 1)), ["other"])
  // The informer replaces the object on a change: the pod turned not ready goes first now.
  const unready = frozen({ ...ready, status: { ...ready.status, conditions: [] } })
  assert.deepEqual(names(podsToDelete([unready, other], [], 1)), ["ready"])
})

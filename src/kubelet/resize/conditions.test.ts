import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import type { TrackedPodCondition } from "../../api/index.ts"
import {
  clearInProgress,
  clearPending,
  resizeConditions,
  resizeMessage,
  type ResizeState,
  setInProgress,
  setPending,
} from "./conditions.ts"

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0)
const T1 = T0 + 60_000
const at = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z")

test("setPending() says whether the condition changed, and keeps its transition time while its reason stays", () => {
  const s: ResizeState = {}
  const deferred = { reason: "Deferred", message: "Node didn't have enough resource: memory" }
  assert.equal(setPending(s, deferred, 2, T0), true)
  assert.deepEqual(s.pending, {
    type: "PodResizePending",
    status: "True",
    observedGeneration: 2,
    lastProbeTime: at(T0),
    lastTransitionTime: at(T0),
    reason: "Deferred",
    message: "Node didn't have enough resource: memory",
  })
  assert.equal(setPending(s, deferred, 2, T1), false, "the same again: no event")
  assert.equal(s.pending?.lastProbeTime, at(T1))
  assert.equal(s.pending?.lastTransitionTime, at(T0))
  assert.equal(setPending(s, deferred, 3, T1), true, "another generation")
  assert.equal(setPending(s, { reason: "Infeasible", message: "x" }, 3, T1), true)
  assert.equal(s.pending?.lastTransitionTime, at(T1))
  clearPending(s)
  assert.deepEqual(resizeConditions(s), [])
})

test("setInProgress() keeps an Error until cleared; clearInProgress() returns its generation", () => {
  const s: ResizeState = {}
  setInProgress(s, { reason: "", message: "" }, 2, T0)
  assert.deepEqual(s.inProgress, {
    type: "PodResizeInProgress",
    status: "True",
    observedGeneration: 2,
    lastProbeTime: at(T0),
    lastTransitionTime: at(T0),
  })
  setInProgress(s, { reason: "Error", message: "boom" }, 2, T1)
  assert.equal(s.inProgress?.lastTransitionTime, at(T1))
  setInProgress(s, { reason: "", message: "" }, 3, T1)
  const kept = s.inProgress as TrackedPodCondition | undefined
  assert.equal(kept?.reason, "Error")
  assert.equal(kept?.message, "boom")
  assert.equal(s.inProgress?.observedGeneration, 3)
  setPending(s, { reason: "Deferred", message: "m" }, 4, T1)
  assert.deepEqual(
    resizeConditions(s).map((c) => c.type),
    ["PodResizePending", "PodResizeInProgress"],
  )
  assert.equal(clearInProgress(s), 3)
  assert.equal(clearInProgress(s), undefined)
})

// Upstream's pkg/kubelet/events/resize_test.go expectations.
const pod: Pod = {
  metadata: { name: "test-pod" },
  spec: {
    initContainers: [
      {
        name: "c0",
        restartPolicy: "Always",
        resources: { requests: { cpu: "100m" }, limits: { cpu: "200m" } },
      },
    ],
    containers: [
      { name: "c1", resources: { requests: { memory: "100" }, limits: { memory: "200" } } },
      { name: "c2", resources: { requests: { memory: "100", cpu: "0.2" }, limits: {} } },
    ],
  },
}

const cases: { name: string; input: [string, Pod, number, string?]; want: string }[] = [
  {
    name: "several containers",
    input: ["Pod resize completed", pod, 2],
    want:
      'Pod resize completed: {"initContainers":[{"name":"c0","resources":{"limits":{"cpu":"200m"},"requests":{"cpu":"100m"}}}],' +
      '"containers":[{"name":"c1","resources":{"limits":{"memory":"200"},"requests":{"memory":"100"}}},' +
      '{"name":"c2","resources":{"requests":{"cpu":"200m","memory":"100"}}}],"generation":2}',
  },
  {
    name: "a best-effort pod, with an error",
    input: [
      "Pod resize Deferred",
      { spec: { containers: [{ name: "c0" }] } },
      1,
      "Node didn't have enough resource: memory",
    ],
    want: `Pod resize Deferred: {"containers":[{"name":"c0","resources":{}}],"generation":1,"error":"Node didn't have enough resource: memory"}`,
  },
]

for (const c of cases) {
  test(`resizeMessage(): ${c.name}`, () => {
    assert.equal(resizeMessage(...c.input), c.want)
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { podFacts } from "./pod-facts.ts"

const T0 = "2026-01-01T00:00:00Z"
const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u1" }

const cases: readonly { name: string; pod: Pod; want: ReturnType<typeof podFacts> }[] = [
  {
    name: "a running ready pod with a controller",
    pod: {
      metadata: {
        ownerReferences: [
          { ...owner, uid: "other" },
          { ...owner, controller: true },
        ],
      },
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: T0 }] },
    },
    want: { controllerUid: "u1", active: true, terminating: false, ready: true, readySince: Date.parse(T0) },
  },
  {
    name: "a ready pod without a valid time",
    pod: {
      status: {
        phase: "Running",
        conditions: [{ type: "Ready", status: "True", lastTransitionTime: "soon" }],
      },
    },
    want: { controllerUid: undefined, active: true, terminating: false, ready: true, readySince: undefined },
  },
  {
    name: "a pod not ready has no ready time",
    pod: {
      status: { phase: "Pending", conditions: [{ type: "Ready", status: "False", lastTransitionTime: T0 }] },
    },
    want: { controllerUid: undefined, active: true, terminating: false, ready: false, readySince: undefined },
  },
  {
    name: "a pod being deleted: terminating, not active",
    pod: { metadata: { deletionTimestamp: T0 }, status: { phase: "Running" } },
    want: { controllerUid: undefined, active: false, terminating: true, ready: false, readySince: undefined },
  },
  {
    name: "a finished pod being deleted: neither",
    pod: { metadata: { deletionTimestamp: T0 }, status: { phase: "Succeeded" } },
    want: {
      controllerUid: undefined,
      active: false,
      terminating: false,
      ready: false,
      readySince: undefined,
    },
  },
  {
    name: "a failed pod: not active",
    pod: { status: { phase: "Failed" } },
    want: {
      controllerUid: undefined,
      active: false,
      terminating: false,
      ready: false,
      readySince: undefined,
    },
  },
]
for (const c of cases) {
  test(`podFacts(): ${c.name}`, () => {
    assert.deepEqual(podFacts(c.pod), c.want)
  })
}

test("podFacts(): a pod that is not frozen is looked at again on every call", () => {
  const pod: Pod = { status: { phase: "Running" } }
  assert.equal(podFacts(pod).active, true)
  ;(pod.status as { phase: string }).phase = "Failed"
  assert.equal(podFacts(pod).active, false)
})

test("podFacts(): a frozen pod's facts are worked out once", () => {
  const pod: Pod = Object.freeze({ metadata: Object.freeze({}), status: Object.freeze({ phase: "Running" }) })
  assert.equal(podFacts(pod), podFacts(pod))
})

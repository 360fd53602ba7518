import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods, type TrackedPodStatus } from "../../api/index.ts"
import { type ClientEnv, startClientEnv } from "../../testing/index.ts"
import { preserveObservedGeneration } from "./pod-observed-generation.ts"

const cond = (type: string, observedGeneration?: number) => ({
  type,
  status: "True",
  ...(observedGeneration !== undefined ? { observedGeneration } : {}),
})

const cases: {
  name: string
  next: TrackedPodStatus
  old: TrackedPodStatus | undefined
  want: TrackedPodStatus
}[] = [
  {
    name: "an unset status.observedGeneration keeps the stored one",
    next: { phase: "Running" },
    old: { phase: "Pending", observedGeneration: 3 },
    want: { phase: "Running", observedGeneration: 3 },
  },
  {
    name: "0 counts as unset",
    next: { phase: "Running", observedGeneration: 0 },
    old: { observedGeneration: 3 },
    want: { phase: "Running", observedGeneration: 3 },
  },
  {
    name: "a value written is kept, a lower one too",
    next: { observedGeneration: 2 },
    old: { observedGeneration: 3 },
    want: { observedGeneration: 2 },
  },
  {
    name: "nothing stored: nothing added",
    next: { phase: "Running", conditions: [cond("Ready")] },
    old: { phase: "Pending", conditions: [cond("Ready")] },
    want: { phase: "Running", conditions: [cond("Ready")] },
  },
  {
    name: "conditions without one take the stored condition's of their type",
    next: { conditions: [cond("PodScheduled"), cond("Ready", 5), cond("Custom")] },
    old: { conditions: [cond("Ready", 4), cond("PodScheduled", 2)] },
    want: { conditions: [cond("PodScheduled", 2), cond("Ready", 5), cond("Custom")] },
  },
  {
    name: "repeated types match by position",
    next: { conditions: [cond("X"), cond("X"), cond("X")] },
    old: { conditions: [cond("X", 1), cond("X", 2)] },
    want: { conditions: [cond("X", 1), cond("X", 2), cond("X")] },
  },
  {
    name: "a stored condition without one gives nothing, and uses up its place",
    next: { conditions: [cond("X"), cond("X")] },
    old: { conditions: [cond("X"), cond("X", 7)] },
    want: { conditions: [cond("X"), cond("X", 7)] },
  },
  {
    name: "no stored status",
    next: { phase: "Running", conditions: [cond("Ready")] },
    old: undefined,
    want: { phase: "Running", conditions: [cond("Ready")] },
  },
]

describe("preserveObservedGeneration()", () => {
  for (const c of cases) {
    test(c.name, () => {
      const next = structuredClone(c.next)
      assert.deepEqual(preserveObservedGeneration(next, c.old), c.want)
      assert.deepEqual(next, c.next, "the written status is not changed")
    })
  }
})

describe("pods/status writes that leave observedGeneration unset", () => {
  let env: ClientEnv
  before(async () => {
    env = await startClientEnv()
  })
  after(() => env.stop())

  test("keep the stored values; spec writes still bump the generation", async () => {
    const pods = env.inProcess.resource(Pods)
    const ref = { namespace: "default", name: "gen" }
    const created = await pods.create({
      metadata: ref,
      spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
    } as Pod & ApiObject)
    assert.equal(created.metadata?.generation, 1)
    const kubelet: TrackedPodStatus = {
      phase: "Running",
      observedGeneration: 1,
      conditions: [{ ...cond("Ready", 1) }, { ...cond("PodScheduled", 1) }],
    }
    await pods.patch(ref, { status: kubelet }, { type: "merge", subresource: "status" })
    // An older client replaces the status without the fields (PUT pods/status).
    const cur = await pods.get(ref)
    const old = await pods.updateStatus({
      ...cur,
      status: { phase: "Running", conditions: [cond("PodScheduled"), cond("Ready"), cond("Custom")] },
    })
    const status = old.status as TrackedPodStatus
    assert.equal(status.observedGeneration, 1)
    assert.deepEqual(status.conditions, [cond("PodScheduled", 1), cond("Ready", 1), cond("Custom")])
    const bumped = await pods.patch(ref, { spec: { activeDeadlineSeconds: 60 } }, { type: "strategic" })
    assert.equal(bumped.metadata?.generation, 2)
    assert.equal((bumped.status as TrackedPodStatus).observedGeneration, 1)
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods, type TrackedPodCondition } from "../api/index.ts"
import type { EventRecorder } from "../client/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { FakeClock, silentLogger } from "../util/index.ts"
import { reportFailure } from "./report.ts"

const T0 = "2026-11-30T12:00:00Z"
const NOW = "2026-11-30T12:05:00Z"

const failed = (message: string, observedGeneration?: number): TrackedPodCondition => ({
  type: "PodScheduled",
  ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  status: "False",
  reason: "Unschedulable",
  message,
  lastTransitionTime: T0,
})

const cases: {
  name: string
  /** Spec writes after the create (each bumps metadata.generation). */
  specWrites: number
  have?: PodCondition
  message: string
  want: TrackedPodCondition | undefined
}[] = [
  {
    name: "a first failure records the generation the attempt saw",
    specWrites: 0,
    message: "0/1 nodes are available",
    want: { ...failed("0/1 nodes are available", 1), lastTransitionTime: NOW },
  },
  {
    name: "after spec changes, the newer generation",
    specWrites: 2,
    message: "0/1 nodes are available",
    want: { ...failed("0/1 nodes are available", 3), lastTransitionTime: NOW },
  },
  {
    name: "a new message rewrites it with the generation; the transition time stays",
    specWrites: 1,
    have: failed("old", 1),
    message: "new",
    want: failed("new", 2),
  },
  {
    name: "the same failure at a newer generation is not written again (upstream's UpdatePodCondition ignores it)",
    specWrites: 1,
    have: failed("same", 1),
    message: "same",
    want: failed("same", 1),
  },
]

describe("reportFailure()", () => {
  let env: ClientEnv
  const clock = new FakeClock(Date.parse(NOW))
  const recorder: EventRecorder = { event: () => {} }
  before(async () => {
    env = await startClientEnv()
  })
  after(() => env.stop())

  for (const [i, c] of cases.entries()) {
    test(c.name, async () => {
      const pods = env.inProcess.resource(Pods)
      const ref = { namespace: "default", name: `pending-${i}` }
      await pods.create({
        metadata: ref,
        spec: { containers: [{ name: "c", image: "busybox" }] },
      } as Pod & ApiObject)
      for (let n = 0; n < c.specWrites; n++)
        await pods.patch(ref, { spec: { activeDeadlineSeconds: 100 - n } }, { type: "merge" })
      if (c.have)
        await pods.patch(ref, { status: { conditions: [c.have] } }, { type: "merge", subresource: "status" })
      const pod = await pods.get(ref)
      const deps = { client: env.inProcess, recorder, clock, log: silentLogger() }
      await reportFailure(deps, pod, { reason: "Unschedulable", message: c.message })
      const got = (await pods.get(ref)).status?.conditions?.find((x) => x.type === "PodScheduled")
      assert.deepEqual(got, c.want)
    })
  }
})

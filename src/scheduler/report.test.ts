import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { type ApiObject, Pods, type TrackedPodCondition } from "../api/index.ts"
import type { EventDetails, EventsV1Recorder } from "../client/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { FakeClock, silentLogger } from "../util/index.ts"
import { NOTE_LENGTH_LIMIT, reportFailure, truncateMessage } from "./report.ts"

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
  const recorded: EventDetails[] = []
  const recorder: EventsV1Recorder = { event: (_pod, e) => void recorded.push(e) }
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
      // Every failure is recorded, as upstream's handleSchedulingFailure does.
      assert.deepEqual(recorded.pop(), {
        type: "Warning",
        reason: "FailedScheduling",
        action: "Scheduling",
        note: c.message,
        ref: Pods,
      })
    })
  }
})

const long = "0/5000 nodes are available: " + "1 node(s) had untolerated taint {x: y}, ".repeat(40)
const truncateCases: { name: string; message: string; want: string }[] = [
  { name: "a short message is kept", message: "0/1 nodes are available", want: "0/1 nodes are available" },
  { name: "one of exactly 1024 characters is kept", message: "x".repeat(1024), want: "x".repeat(1024) },
  {
    name: "one of 1025 is cut to 1020 and ' ...'",
    message: "x".repeat(1025),
    want: "x".repeat(1020) + " ...",
  },
  { name: "a long scheduling failure is cut", message: long, want: long.slice(0, 1020) + " ..." },
]

for (const c of truncateCases) {
  test(`truncateMessage(): ${c.name}`, () => {
    const got = truncateMessage(c.message)
    assert.equal(got, c.want)
    assert.ok(got.length <= NOTE_LENGTH_LIMIT)
  })
}

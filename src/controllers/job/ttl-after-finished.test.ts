import assert from "node:assert/strict"
import { afterEach, describe, test } from "node:test"
import { Jobs } from "../../api/index.ts"
import { type BatchEnv, T0, startBatchEnv } from "./env.case.ts"
import { timeLeft, ttlAfterFinishedController } from "./ttl-after-finished.ts"
import type { Job } from "./types.ts"

let h: BatchEnv | undefined
afterEach(async () => {
  await h?.stop()
  h = undefined
})

function finished(ttl: number | undefined, at: number, type = "Complete"): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "j" },
    spec: { ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}), template: {} },
    status: { conditions: [{ type, status: "True", lastTransitionTime: new Date(at).toISOString() }] },
  } as Job
}

describe("timeLeft", () => {
  const cases = [
    { name: "no ttl never expires", job: finished(undefined, T0), want: undefined },
    { name: "unfinished never expires", job: { ...finished(10, T0), status: {} } as Job, want: undefined },
    { name: "complete, 10 s ttl, 4 s ago", job: finished(10, T0 - 4_000), want: 6_000 },
    { name: "failed, 0 ttl", job: finished(0, T0, "Failed"), want: 0 },
  ]
  for (const c of cases) test(c.name, () => assert.equal(timeLeft(c.job, T0), c.want))
})

describe("ttl-after-finished controller", () => {
  test("deletes a finished Job once its TTL ran out", async () => {
    const e = (h = await startBatchEnv([ttlAfterFinishedController]))
    const jobs = e.client.resource(Jobs)
    const job = (await jobs.create({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "done", namespace: e.ns },
      spec: {
        ttlSecondsAfterFinished: 60,
        template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
      },
    } as never)) as Job
    // GIVEN it completed now (as the Job controller would record it)
    const at = new Date(e.clock.now()).toISOString()
    await jobs.updateStatus({
      ...job,
      status: {
        startTime: at,
        completionTime: at,
        succeeded: 1,
        conditions: [{ type: "Complete", status: "True", lastTransitionTime: at }],
      },
    } as never)
    // WHEN 59 s pass it stays; at 60 s it goes (foreground: its deletion is recorded)
    await e.advance(59_000)
    const kept = (await jobs.get({ namespace: e.ns, name: "done" })) as Job
    assert.equal(kept.metadata?.deletionTimestamp, undefined)
    await e.advance(1_000)
    await e.eventually(async () => {
      try {
        const j = (await jobs.get({ namespace: e.ns, name: "done" })) as Job
        return !!j.metadata?.deletionTimestamp && !!j.metadata.finalizers?.includes("foregroundDeletion")
      } catch {
        return true
      }
    }, "the Job deleted")
  })
})

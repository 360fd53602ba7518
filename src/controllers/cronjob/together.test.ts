import assert from "node:assert/strict"
import { afterEach, describe, test } from "node:test"
import { CronJobs, Jobs } from "../../api/index.ts"
import { type BatchEnv, startBatchEnv } from "../job/env.case.ts"
import { jobController, ttlAfterFinishedController } from "../job/index.ts"
import { cronJobController } from "./cronjob.ts"
import type { CronJob, Job } from "./types.ts"

let h: BatchEnv | undefined
afterEach(async () => {
  await h?.stop()
  h = undefined
})

describe("cronjob, job and ttl-after-finished controllers together", () => {
  test("a scheduled Job runs its pod to completion, is seen completed, then expires", async () => {
    const e = (h = await startBatchEnv([cronJobController, jobController, ttlAfterFinishedController]))
    await e.client.resource(CronJobs).create({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "nightly", namespace: e.ns },
      spec: {
        schedule: "*/5 * * * *",
        concurrencyPolicy: "Forbid",
        jobTemplate: {
          spec: {
            ttlSecondsAfterFinished: 600,
            template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          },
        },
      },
    } as never)
    await e.advance(5 * 60_000 + 100)
    // The Job controller starts the scheduled Job's pod; the "kubelet" runs it to success
    let pod: { metadata?: { name?: string } } | undefined
    await e.eventually(async () => !!(pod = (await e.pods())[0]), "the Job's pod")
    await e.setPhase(pod?.metadata?.name ?? "", "Succeeded")
    await e.eventually(async () => {
      const cj = (await e.client.resource(CronJobs).get({ namespace: e.ns, name: "nightly" })) as CronJob
      return !!cj.status?.lastSuccessfulTime && (cj.status.active ?? []).length === 0
    }, "the CronJob to see the success")
    const events = (await e.events("nightly")).map((ev) => ev.reason)
    assert.ok(events.includes("SuccessfulCreate") && events.includes("SawCompletedJob"))
    const [job] = (await e.client.resource(Jobs).list({ namespace: e.ns })).items as Job[]
    assert.equal(job?.status?.conditions?.find((c) => c.type === "Complete")?.status, "True")
    // Ten minutes later the TTL controller deletes it (the schedule meanwhile starts others)
    await e.advance(600_000)
    await e.eventually(async () => {
      const list = (await e.client.resource(Jobs).list({ namespace: e.ns })).items as Job[]
      const first = list.find((j) => j.metadata?.name === job?.metadata?.name)
      return !first || !!first.metadata?.deletionTimestamp
    }, "the expired Job deleted")
  })
})

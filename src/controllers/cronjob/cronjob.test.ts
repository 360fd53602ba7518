import assert from "node:assert/strict"
import { afterEach, describe, test } from "node:test"
import { CronJobs, Jobs } from "../../api/index.ts"
import { type BatchEnv, T0, startBatchEnv } from "../job/env.case.ts"
import { cronJobController } from "./cronjob.ts"
import { SCHEDULED_TIMESTAMP_ANNOTATION } from "./jobs.ts"
import type { CronJob, Job } from "./types.ts"
import { rfc3339 } from "../../util/index.ts"

const MINUTE = 60_000

let h: BatchEnv | undefined
afterEach(async () => {
  await h?.stop()
  h = undefined
})

async function start(at = T0): Promise<BatchEnv> {
  h = await startBatchEnv([cronJobController], at)
  return h
}

async function createCronJob(
  e: BatchEnv,
  name: string,
  spec: Record<string, unknown> = {},
): Promise<CronJob> {
  return (await e.client.resource(CronJobs).create({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: e.ns },
    spec: {
      schedule: "* * * * *",
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
        },
      },
      ...spec,
    },
  } as never)) as CronJob
}

async function jobs(e: BatchEnv): Promise<Job[]> {
  const list = await e.client.resource(Jobs).list({ namespace: e.ns })
  return (list.items as Job[])
    .filter((j) => !j.metadata?.deletionTimestamp)
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))
}

async function getCronJob(e: BatchEnv, name: string): Promise<CronJob> {
  return (await e.client.resource(CronJobs).get({ namespace: e.ns, name })) as CronJob
}

/** Plays the Job controller: marks the Job finished now. */
async function finish(e: BatchEnv, job: Job, type: "Complete" | "Failed"): Promise<void> {
  const at = rfc3339(e.clock.now())
  const fresh = (await e.client
    .resource(Jobs)
    .get({ namespace: e.ns, name: job.metadata?.name ?? "" })) as Job
  await e.client.resource(Jobs).updateStatus({
    ...fresh,
    status: {
      startTime: at,
      ...(type === "Complete" ? { completionTime: at, succeeded: 1 } : { failed: 1 }),
      conditions: [{ type, status: "True", lastTransitionTime: at }],
    },
  } as never)
}

async function waitJobs(e: BatchEnv, n: number): Promise<Job[]> {
  let list: Job[] = []
  await e.eventually(async () => (list = await jobs(e)).length === n, `${n} jobs`)
  return list
}

async function hasEvent(e: BatchEnv, name: string, reason: string): Promise<boolean> {
  return (await e.events(name)).some((ev) => ev.reason === reason)
}

const minutes = (ms: number) => Math.floor(ms / MINUTE)

describe("cronjob controller", () => {
  test("Allow: a Job each minute, named by the scheduled minute, listed as active", async () => {
    const e = await start()
    await createCronJob(e, "tick")
    await e.advance(59_000)
    assert.equal((await jobs(e)).length, 0)
    await e.advance(1_100)
    let list = await waitJobs(e, 1)
    const first = list[0] as Job
    assert.equal(first.metadata?.name, `tick-${minutes(T0) + 1}`)
    assert.equal(first.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], "2026-01-01T00:01:00Z")
    assert.equal(first.metadata?.labels?.app, "tick")
    assert.equal(first.metadata?.ownerReferences?.[0]?.kind, "CronJob")
    await e.eventually(async () => (await getCronJob(e, "tick")).status?.active?.length === 1, "one active")
    assert.equal((await getCronJob(e, "tick")).status?.lastScheduleTime, "2026-01-01T00:01:00Z")
    // Allow runs the next one beside it
    await e.advance(MINUTE)
    list = await waitJobs(e, 2)
    assert.equal(list[1]?.metadata?.name, `tick-${minutes(T0) + 2}`)
    await e.eventually(async () => (await getCronJob(e, "tick")).status?.active?.length === 2, "two active")
    assert.ok(await hasEvent(e, "tick", "SuccessfulCreate"))
    assert.ok((await e.events("tick")).every((ev) => ev.kind === "CronJob"))
  })

  test("Forbid: skips while a Job runs; a completed Job is seen and the next one starts", async () => {
    const e = await start()
    await createCronJob(e, "solo", { concurrencyPolicy: "Forbid" })
    await e.advance(MINUTE + 100)
    const [first] = await waitJobs(e, 1)
    await e.advance(MINUTE)
    await e.eventually(() => hasEvent(e, "solo", "JobAlreadyActive"), "JobAlreadyActive")
    assert.equal((await jobs(e)).length, 1)
    // WHEN the running Job completes
    await finish(e, first as Job, "Complete")
    await e.eventually(() => hasEvent(e, "solo", "SawCompletedJob"), "SawCompletedJob")
    // THEN the skipped run (no starting deadline) starts late, and the success is recorded
    const list = await waitJobs(e, 2)
    assert.equal(list[1]?.metadata?.name, `solo-${minutes(T0) + 2}`)
    await e.eventually(async () => {
      const cj = await getCronJob(e, "solo")
      return cj.status?.lastSuccessfulTime === "2026-01-01T00:02:00Z" && cj.status.active?.length === 1
    }, "lastSuccessfulTime and the new active Job")
  })

  test("Replace: the running Job is deleted for the new one", async () => {
    const e = await start()
    await createCronJob(e, "swap", { concurrencyPolicy: "Replace" })
    await e.advance(MINUTE + 100)
    const [first] = await waitJobs(e, 1)
    await e.advance(MINUTE)
    await e.eventually(async () => {
      const list = await jobs(e)
      return list.length === 1 && list[0]?.metadata?.name !== first?.metadata?.name
    }, "the replacement")
    assert.ok(await hasEvent(e, "swap", "SuccessfulDelete"))
    await e.eventually(async () => {
      const active = (await getCronJob(e, "swap")).status?.active ?? []
      return active.length === 1 && active[0]?.name === `swap-${minutes(T0) + 2}`
    }, "the new Job active")
  })

  test("history limits delete the oldest finished Jobs", async () => {
    const e = await start()
    await createCronJob(e, "hist", { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 })
    for (let i = 1; i <= 4; i++) {
      await e.advance(MINUTE + (i === 1 ? 100 : 0))
      const list = await waitJobs(e, Math.min(i, 3))
      const newest = list[list.length - 1] as Job
      await finish(e, newest, i % 2 ? "Complete" : "Failed")
      await e.eventually(
        async () => ((await getCronJob(e, "hist")).status?.active ?? []).length === 0,
        "none active",
      )
    }
    // 2 succeeded (1st, 3rd) and 2 failed (2nd, 4th): only the newest of each is kept
    await e.eventually(async () => (await jobs(e)).length === 2, "two kept")
    const names = (await jobs(e)).map((j) => j.metadata?.name)
    assert.deepEqual(names, [`hist-${minutes(T0) + 3}`, `hist-${minutes(T0) + 4}`])
    assert.ok(await hasEvent(e, "hist", "SuccessfulDelete"))
  })

  test("a listed Job deleted by hand is reported missing and dropped from active", async () => {
    const e = await start()
    await createCronJob(e, "lost", { concurrencyPolicy: "Forbid" })
    await e.advance(MINUTE + 100)
    const [job] = await waitJobs(e, 1)
    await e.eventually(async () => (await getCronJob(e, "lost")).status?.active?.length === 1, "active")
    await e.client.resource(Jobs).delete({ namespace: e.ns, name: job?.metadata?.name ?? "" })
    await e.eventually(() => hasEvent(e, "lost", "MissingJob"), "MissingJob")
    await e.eventually(
      async () => ((await getCronJob(e, "lost")).status?.active ?? []).length === 0,
      "dropped",
    )
  })

  test("a Job of the CronJob's that it does not list is reported as unexpected", async () => {
    const e = await start()
    const cj = await createCronJob(e, "odd", { suspend: true })
    await e.client.resource(Jobs).create({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "odd-manual",
        namespace: e.ns,
        ownerReferences: [
          {
            apiVersion: "batch/v1",
            kind: "CronJob",
            name: "odd",
            uid: cj.metadata?.uid ?? "",
            controller: true,
          },
        ],
      },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
    } as never)
    await e.eventually(() => hasEvent(e, "odd", "UnexpectedJob"), "UnexpectedJob")
  })

  test("suspend starts nothing; resuming starts the missed run unless past the starting deadline", async () => {
    const e = await start()
    await createCronJob(e, "late", { suspend: true })
    await createCronJob(e, "strict", { suspend: true, startingDeadlineSeconds: 10 })
    await e.advance(5 * MINUTE + 30_000)
    assert.equal((await jobs(e)).length, 0)
    for (const name of ["late", "strict"]) {
      await e.client
        .resource(CronJobs)
        .patch({ namespace: e.ns, name }, { spec: { suspend: false } }, { type: "merge" })
    }
    // "late" starts the most recent missed time (00:05) at once; "strict" waits for 00:06
    const [late] = await waitJobs(e, 1)
    assert.equal(late?.metadata?.name, `late-${minutes(T0) + 5}`)
    await e.eventually(async () => !!(await getCronJob(e, "late")).status?.lastScheduleTime, "late's status")
    // The controller looks again 100 ms after each schedule time
    await e.advance(30_100)
    const list = await waitJobs(e, 3)
    assert.deepEqual(
      list.map((j) => j.metadata?.name),
      [`late-${minutes(T0) + 5}`, `late-${minutes(T0) + 6}`, `strict-${minutes(T0) + 6}`],
    )
  })

  test("spec.timeZone: 09:00 in Tokyo fires at midnight UTC, annotated in Tokyo time", async () => {
    const e = await start(T0 - MINUTE)
    await createCronJob(e, "tokyo", { schedule: "0 9 * * *", timeZone: "Asia/Tokyo" })
    await e.advance(MINUTE + 100)
    const [job] = await waitJobs(e, 1)
    assert.equal(job?.metadata?.name, `tokyo-${minutes(T0)}`)
    assert.equal(job?.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], "2026-01-01T09:00:00+09:00")
  })

  test("more than 100 missed start times are reported", async () => {
    const e = await start()
    await createCronJob(e, "asleep", { suspend: true })
    await e.advance(200 * MINUTE)
    await e.client
      .resource(CronJobs)
      .patch({ namespace: e.ns, name: "asleep" }, { spec: { suspend: false } }, { type: "merge" })
    await e.eventually(() => hasEvent(e, "asleep", "TooManyMissedTimes"), "TooManyMissedTimes")
    const [job] = await waitJobs(e, 1)
    assert.equal(job?.metadata?.name, `asleep-${minutes(T0) + 200}`)
  })
})

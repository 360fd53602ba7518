import assert from "node:assert/strict"
import { afterEach, describe, test } from "node:test"
import { type BatchEnv, startBatchEnv } from "./env.case.ts"
import { activePods, cond, create, getJob, waitActive, waitCondition } from "./job.case.ts"
import { jobController } from "./job.ts"
import { JOB_COMPLETION_INDEX } from "./pods.ts"
import type { Pod } from "./types.ts"

let h: BatchEnv | undefined
afterEach(async () => {
  await h?.stop()
  h = undefined
})

async function start(): Promise<BatchEnv> {
  h = await startBatchEnv([jobController])
  return h
}

describe("job controller, Indexed Jobs", () => {
  test("Indexed: one pod per index with annotation, label, env and hostname; completedIndexes", async () => {
    const e = await start()
    await create(e, "idx", { completions: 5, parallelism: 3, completionMode: "Indexed" })
    const pods = await waitActive(e, 3)
    const indexes = pods.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX]).sort()
    assert.deepEqual(indexes, ["0", "1", "2"])
    const p1 = pods.find((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX] === "1") as Pod
    assert.equal(p1.metadata?.labels?.[JOB_COMPLETION_INDEX], "1")
    assert.equal(p1.spec?.hostname, "idx-1")
    assert.equal(p1.metadata?.generateName, "idx-1-")
    const env = p1.spec?.containers[0]?.env?.find((v) => v.name === "JOB_COMPLETION_INDEX")
    assert.equal(env?.valueFrom?.fieldRef?.fieldPath, `metadata.annotations['${JOB_COMPLETION_INDEX}']`)
    // WHEN index 1 succeeds
    await e.setPhase(p1, "Succeeded")
    await e.eventually(
      async () => (await getJob(e, "idx")).status?.completedIndexes === "1",
      "index 1 recorded",
    )
    // THEN the next pod takes index 3
    const next = await waitActive(e, 3)
    assert.deepEqual(next.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX]).sort(), ["0", "2", "3"])
    for (const p of next)
      if (p.metadata?.annotations?.[JOB_COMPLETION_INDEX] !== "2") await e.setPhase(p, "Succeeded")
    await e.eventually(async () => (await getJob(e, "idx")).status?.completedIndexes === "0,1,3", "0,1,3")
    await e.eventually(async () => (await getJob(e, "idx")).status?.active === 2, "indexes 2 and 4 active")
    for (const p of await activePods(e)) await e.setPhase(p, "Succeeded")
    const job = await waitCondition(e, "idx", "Complete")
    assert.equal(job.status?.completedIndexes, "0-4")
    assert.equal(job.status?.succeeded, 5)
  })

  test("backoffLimitPerIndex fails indexes on their own; maxFailedIndexes fails the Job", async () => {
    const e = await start()
    await create(e, "per", {
      completions: 3,
      parallelism: 3,
      completionMode: "Indexed",
      backoffLimitPerIndex: 1,
      maxFailedIndexes: 1,
    })
    const pods = await waitActive(e, 3)
    const byIndex = (ps: Pod[], ix: string) =>
      ps.find((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX] === ix) as Pod
    assert.equal(
      byIndex(pods, "0").metadata?.annotations?.["batch.kubernetes.io/job-index-failure-count"],
      "0",
    )
    // Index 0 fails once: retried after 10 s with its failure count carried on
    await e.setPhase(byIndex(pods, "0"), "Failed")
    await e.eventually(async () => (await activePods(e)).length === 2, "index 0 waits")
    await e.advance(10_000)
    let now = await waitActive(e, 3)
    assert.equal(
      byIndex(now, "0").metadata?.annotations?.["batch.kubernetes.io/job-index-failure-count"],
      "1",
    )
    // ... fails again: the index fails, the others go on
    await e.setPhase(byIndex(now, "0"), "Failed")
    await e.eventually(async () => (await getJob(e, "per")).status?.failedIndexes === "0", "failedIndexes 0")
    await e.setPhase(byIndex(now, "1"), "Succeeded")
    await e.eventually(async () => (await getJob(e, "per")).status?.completedIndexes === "1", "completed 1")
    assert.equal(cond(await getJob(e, "per"), "Failed"), undefined)
    // Index 2 fails twice: a second failed index exceeds maxFailedIndexes
    await e.setPhase(byIndex(now, "2"), "Failed")
    await e.advance(10_000)
    now = await waitActive(e, 1)
    await e.setPhase(byIndex(now, "2"), "Failed")
    const job = await waitCondition(e, "per", "Failed")
    assert.equal(cond(job, "Failed")?.reason, "MaxFailedIndexesExceeded")
    assert.equal(job.status?.failedIndexes, "0,2")
    assert.equal(job.status?.failed, 4)
  })

  test("successPolicy: the Job succeeds once the named indexes do, its other pods removed", async () => {
    const e = await start()
    await create(e, "leader", {
      completions: 3,
      parallelism: 3,
      completionMode: "Indexed",
      successPolicy: { rules: [{ succeededIndexes: "0" }] },
    })
    const pods = await waitActive(e, 3)
    const leader = pods.find((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX] === "0") as Pod
    await e.setPhase(leader, "Succeeded")
    const job = await waitCondition(e, "leader", "Complete")
    assert.equal(cond(job, "SuccessCriteriaMet")?.reason, "SuccessPolicy")
    assert.equal(cond(job, "Complete")?.reason, "SuccessPolicy")
    assert.equal(cond(job, "Complete")?.message, "Matched rules at index 0")
    assert.equal(job.status?.completedIndexes, "0")
    assert.equal(job.status?.succeeded, 1)
    assert.equal((await e.pods()).length, 1, "only the succeeded pod is left")
  })

  test("podFailurePolicy FailIndex fails only that index; the Job fails with FailedIndexes", async () => {
    const e = await start()
    await create(e, "fi", {
      completions: 2,
      parallelism: 2,
      completionMode: "Indexed",
      backoffLimitPerIndex: 3,
      podFailurePolicy: { rules: [{ action: "FailIndex", onExitCodes: { operator: "In", values: [7] } }] },
    })
    const pods = await waitActive(e, 2)
    const at = (ix: string) => pods.find((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX] === ix) as Pod
    await e.setPhase(at("0"), "Failed", {
      containerStatuses: [
        {
          name: "main",
          image: "busybox",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 7 } },
        },
      ],
    })
    await e.eventually(
      async () => (await getJob(e, "fi")).status?.failedIndexes === "0",
      "index 0 failed at once",
    )
    await e.setPhase(at("1"), "Succeeded")
    const job = await waitCondition(e, "fi", "Failed")
    assert.equal(cond(job, "Failed")?.reason, "FailedIndexes")
    assert.equal(cond(job, "Failed")?.message, "Job has failed indexes")
    assert.equal(job.status?.completedIndexes, "1")
  })
})

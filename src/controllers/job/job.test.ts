import assert from "node:assert/strict"
import { afterEach, describe, test } from "node:test"
import { Jobs } from "../../api/index.ts"
import { type BatchEnv, startBatchEnv } from "./env.case.ts"
import { activePods, cond, create, getJob, waitActive, waitCondition } from "./job.case.ts"
import { jobController } from "./job.ts"
import { JOB_TRACKING_FINALIZER } from "./pods.ts"
import type { Pod } from "./types.ts"
import { rfc3339 } from "../../util/index.ts"

let h: BatchEnv | undefined
afterEach(async () => {
  await h?.stop()
  h = undefined
})

async function start(): Promise<BatchEnv> {
  h = await startBatchEnv([jobController])
  return h
}

describe("job controller", () => {
  test("runs completions pods, parallelism at a time, to Complete", async () => {
    const e = await start()
    // GIVEN a Job of 3 completions, 2 at a time
    await create(e, "pi", { completions: 3, parallelism: 2 })
    const first = await waitActive(e, 2)
    const pod = first[0] as Pod
    const uid = (await getJob(e, "pi")).metadata?.uid ?? ""
    const meta = pod.metadata ?? {}
    assert.deepEqual(
      {
        finalizers: meta.finalizers,
        generateName: meta.generateName,
        owner: meta.ownerReferences?.[0]?.kind,
        labels: meta.labels,
      },
      {
        finalizers: [JOB_TRACKING_FINALIZER],
        generateName: "pi-",
        owner: "Job",
        labels: {
          "batch.kubernetes.io/controller-uid": uid,
          "batch.kubernetes.io/job-name": "pi",
          "controller-uid": uid,
          "job-name": "pi",
        },
      },
    )
    // WHEN the pods succeed one by one
    await e.setPhase(pod, "Succeeded")
    const second = await waitActive(e, 2)
    for (const p of second) await e.setPhase(p, "Succeeded")
    // THEN the Job is complete, every pod counted and released
    const job = await waitCondition(e, "pi", "Complete")
    assert.equal(job.status?.succeeded, 3)
    assert.equal(job.status?.failed ?? 0, 0)
    assert.equal(job.status?.active, undefined, "zero is left out")
    assert.equal(cond(job, "Complete")?.reason, "CompletionsReached")
    assert.equal(cond(job, "SuccessCriteriaMet")?.status, "True")
    assert.ok(job.status?.completionTime)
    assert.ok(job.status?.startTime)
    assert.deepEqual(job.status?.uncountedTerminatedPods ?? {}, {})
    await e.eventually(
      async () => (await e.pods()).every((p) => !p.metadata?.finalizers?.length),
      "finalizers removed",
    )
    await e.eventually(
      async () => (await e.events("pi")).some((ev) => ev.reason === "Completed"),
      "the Completed event",
    )
    const events = await e.events("pi")
    assert.ok(events.some((ev) => ev.reason === "SuccessfulCreate"))
    assert.ok(events.every((ev) => ev.kind === "Job"))
  })

  test("replaces failed pods after 10 s, then 20 s, and fails at the backoff limit", async () => {
    const e = await start()
    // GIVEN a Job allowing 2 retries
    await create(e, "flaky", { backoffLimit: 2 })
    let [pod] = await waitActive(e, 1)
    // WHEN its pod fails
    await e.setPhase(pod as Pod, "Failed")
    await e.eventually(async () => (await getJob(e, "flaky")).status?.failed === 1, "one failure counted")
    // THEN the replacement waits for the backoff delay
    await e.advance(9_000)
    assert.equal((await activePods(e)).length, 0)
    await e.advance(1_000)
    ;[pod] = await waitActive(e, 1)
    await e.setPhase(pod as Pod, "Failed")
    await e.eventually(async () => (await getJob(e, "flaky")).status?.failed === 2, "two failures counted")
    await e.advance(19_000)
    assert.equal((await activePods(e)).length, 0)
    await e.advance(1_000)
    ;[pod] = await waitActive(e, 1)
    // AND the third failure exceeds the limit
    await e.setPhase(pod as Pod, "Failed")
    const job = await waitCondition(e, "flaky", "Failed")
    assert.equal(cond(job, "Failed")?.reason, "BackoffLimitExceeded")
    assert.equal(cond(job, "Failed")?.message, "Job has reached the specified backoff limit")
    assert.equal(cond(job, "FailureTarget")?.reason, "BackoffLimitExceeded")
    assert.equal(job.status?.failed, 3)
    assert.equal(job.status?.completionTime, undefined)
    await e.eventually(
      async () => (await e.events("flaky")).some((ev) => ev.reason === "BackoffLimitExceeded"),
      "the event",
    )
  })

  test("suspend deletes active pods and sets Suspended; resume restarts them and the start time", async () => {
    const e = await start()
    await create(e, "sus", { parallelism: 2, completions: 4 })
    await waitActive(e, 2)
    // WHEN suspended
    await e.client
      .resource(Jobs)
      .patch({ namespace: e.ns, name: "sus" }, { spec: { suspend: true } }, { type: "merge" })
    // THEN its pods go and the condition says so
    let job = await waitCondition(e, "sus", "Suspended")
    assert.equal(cond(job, "Suspended")?.reason, "JobSuspended")
    await e.eventually(async () => (await e.pods()).length === 0, "pods deleted")
    await e.eventually(async () => ((await getJob(e, "sus")).status?.active ?? 0) === 0, "active 0")
    const started = job.status?.startTime
    // WHEN resumed later
    await e.advance(60_000)
    await e.client
      .resource(Jobs)
      .patch({ namespace: e.ns, name: "sus" }, { spec: { suspend: false } }, { type: "merge" })
    await waitActive(e, 2)
    await e.eventually(
      async () => cond((job = await getJob(e, "sus")), "Suspended")?.status === "False",
      "resumed",
    )
    assert.equal(cond(job, "Suspended")?.reason, "JobResumed")
    assert.notEqual(job.status?.startTime, started)
    assert.equal(job.status?.startTime, rfc3339(e.clock.now()))
    const reasons = (await e.events("sus")).map((ev) => ev.reason)
    assert.ok(
      reasons.includes("Suspended") && reasons.includes("Resumed") && reasons.includes("SuccessfulDelete"),
    )
  })

  test("a Job created suspended has no start time and no pods", async () => {
    const e = await start()
    await create(e, "idle", { suspend: true })
    const job = await waitCondition(e, "idle", "Suspended")
    assert.equal(job.status?.startTime, undefined)
    assert.equal((await e.pods()).length, 0)
  })

  test("activeDeadlineSeconds fails the Job with DeadlineExceeded and removes its pods", async () => {
    const e = await start()
    await create(e, "slow", { activeDeadlineSeconds: 30, parallelism: 2, completions: 2 })
    await waitActive(e, 2)
    await e.advance(29_000)
    assert.equal(cond(await getJob(e, "slow"), "Failed"), undefined)
    await e.advance(1_000)
    const job = await waitCondition(e, "slow", "Failed")
    assert.equal(cond(job, "Failed")?.reason, "DeadlineExceeded")
    assert.equal(cond(job, "Failed")?.message, "Job was active longer than specified deadline")
    assert.equal(job.status?.failed, 2)
    assert.equal(job.status?.active, undefined, "zero is left out")
    assert.equal((await e.pods()).length, 0)
    await e.eventually(
      async () => (await e.events("slow")).some((ev) => ev.reason === "DeadlineExceeded"),
      "the event",
    )
  })

  test("podFailurePolicy: Ignore does not count, Count counts, FailJob fails at once", async () => {
    const e = await start()
    const exited = (code: number) => ({
      containerStatuses: [
        {
          name: "main",
          ready: false,
          restartCount: 0,
          image: "busybox",
          imageID: "",
          state: { terminated: { exitCode: code } },
        },
      ],
    })
    await create(e, "pfp", {
      backoffLimit: 6,
      podFailurePolicy: {
        rules: [
          { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } },
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
          { action: "Count", onExitCodes: { operator: "NotIn", values: [0] } },
        ],
      },
    })
    let [pod] = await waitActive(e, 1)
    // An ignored failure (a disruption) is replaced after the backoff but not counted
    await e.setPhase(pod as Pod, "Failed", { conditions: [{ type: "DisruptionTarget", status: "True" }] })
    await e.eventually(async () => (await e.pods()).every((p) => !p.metadata?.finalizers?.length), "released")
    assert.equal((await getJob(e, "pfp")).status?.failed ?? 0, 0)
    await e.advance(10_000)
    ;[pod] = await waitActive(e, 1)
    // A counted failure
    await e.setPhase(pod as Pod, "Failed", exited(1))
    await e.eventually(async () => (await getJob(e, "pfp")).status?.failed === 1, "one counted failure")
    await e.advance(20_000)
    ;[pod] = await waitActive(e, 1)
    // Exit code 42 fails the Job
    await e.setPhase(pod as Pod, "Failed", exited(42))
    const job = await waitCondition(e, "pfp", "Failed")
    assert.equal(cond(job, "Failed")?.reason, "PodFailurePolicy")
    assert.equal(
      cond(job, "Failed")?.message,
      `Container main for pod ${e.ns}/${pod?.metadata?.name} failed with exit code 42 matching FailJob rule at index 0`,
    )
    assert.equal(job.status?.failed, 2)
  })

  test("a Job without completions completes when one pod succeeds and the rest finish", async () => {
    const e = await start()
    await create(e, "queue", { parallelism: 2 })
    const pods = await waitActive(e, 2)
    await e.setPhase(pods[0] as Pod, "Succeeded")
    await e.eventually(async () => (await getJob(e, "queue")).status?.succeeded === 1, "one success")
    assert.equal(cond(await getJob(e, "queue"), "Complete"), undefined)
    await e.setPhase(pods[1] as Pod, "Succeeded")
    const job = await waitCondition(e, "queue", "Complete")
    assert.equal(job.status?.succeeded, 2)
  })

  test("restartPolicy OnFailure: container restarts count against the backoff limit", async () => {
    const e = await start()
    await create(e, "restarts", {
      backoffLimit: 2,
      template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "main", image: "busybox" }] } },
    })
    const [pod] = await waitActive(e, 1)
    await e.setPhase(pod as Pod, "Running", {
      containerStatuses: [
        {
          name: "main",
          image: "busybox",
          imageID: "",
          ready: false,
          restartCount: 2,
          state: { running: {} },
        },
      ],
    })
    const job = await waitCondition(e, "restarts", "Failed")
    assert.equal(cond(job, "Failed")?.reason, "BackoffLimitExceeded")
    assert.equal((await e.pods()).length, 0)
  })
})

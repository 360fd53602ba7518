import assert from "node:assert/strict"
import { afterEach, describe, test } from "node:test"
import { Jobs } from "../../api/index.ts"
import { type BatchEnv, startBatchEnv } from "./env.case.ts"
import { jobController } from "./job.ts"
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER } from "./pods.ts"
import type { Job, Pod } from "./types.ts"

let h: BatchEnv | undefined
afterEach(async () => {
  await h?.stop()
  h = undefined
})

async function start(): Promise<BatchEnv> {
  h = await startBatchEnv([jobController])
  return h
}

function jobOf(e: BatchEnv, name: string, spec: Record<string, unknown> = {}): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: e.ns },
    spec: {
      template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] } },
      ...spec,
    },
  } as Job
}

async function create(e: BatchEnv, name: string, spec: Record<string, unknown> = {}): Promise<Job> {
  return (await e.client.resource(Jobs).create(jobOf(e, name, spec) as never)) as Job
}

async function getJob(e: BatchEnv, name: string): Promise<Job> {
  return (await e.client.resource(Jobs).get({ namespace: e.ns, name })) as Job
}

function cond(job: Job, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return job.status?.conditions?.find((c) => c.type === type)
}

async function activePods(e: BatchEnv): Promise<Pod[]> {
  return (await e.pods()).filter(
    (p) => !p.metadata?.deletionTimestamp && !["Succeeded", "Failed"].includes(p.status?.phase ?? ""),
  )
}

async function waitActive(e: BatchEnv, n: number): Promise<Pod[]> {
  let pods: Pod[] = []
  await e.eventually(async () => (pods = await activePods(e)).length === n, `${n} active pods`)
  return pods
}

async function waitCondition(e: BatchEnv, name: string, type: string): Promise<Job> {
  let job: Job | undefined
  await e.eventually(
    async () => cond((job = await getJob(e, name)), type)?.status === "True",
    `condition ${type}`,
  )
  return job as Job
}

describe("job controller", () => {
  test("runs completions pods, parallelism at a time, to Complete", async () => {
    const e = await start()
    // GIVEN a Job of 3 completions, 2 at a time
    await create(e, "pi", { completions: 3, parallelism: 2 })
    const first = await waitActive(e, 2)
    const pod = first[0] as Pod
    assert.ok(pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER))
    assert.equal(pod.metadata?.generateName, "pi-")
    assert.equal(pod.metadata?.labels?.["batch.kubernetes.io/job-name"], "pi")
    assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, "Job")
    // WHEN the pods succeed one by one
    await e.setPhase(pod, "Succeeded")
    const second = await waitActive(e, 2)
    for (const p of second) await e.setPhase(p, "Succeeded")
    // THEN the Job is complete, every pod counted and released
    const job = await waitCondition(e, "pi", "Complete")
    assert.equal(job.status?.succeeded, 3)
    assert.equal(job.status?.failed ?? 0, 0)
    assert.equal(job.status?.active, 0)
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
    const reasons = (await e.events("pi")).map((ev) => ev.reason)
    assert.ok(reasons.includes("SuccessfulCreate"))
  })
})

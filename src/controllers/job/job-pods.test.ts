import assert from "node:assert/strict"
import { afterEach, describe, test } from "node:test"
import { Jobs, Pods } from "../../api/index.ts"
import { type BatchEnv, startBatchEnv } from "./env.case.ts"
import { activePods, cond, create, getJob, waitActive, waitCondition } from "./job.case.ts"
import { jobController } from "./job.ts"
import { JOB_TRACKING_FINALIZER } from "./pods.ts"
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

describe("job controller and its pods", () => {
  test("deleting a pod counts it as failed and replaces it", async () => {
    const e = await start()
    await create(e, "del", { backoffLimit: 3 })
    const [pod] = await waitActive(e, 1)
    await e.client.resource(Pods).delete({ namespace: e.ns, name: pod?.metadata?.name ?? "" })
    await e.eventually(async () => (await getJob(e, "del")).status?.failed === 1, "counted as failed")
    await e.eventually(
      async () => (await e.pods()).every((p) => p.metadata?.name !== pod?.metadata?.name),
      "the pod gone",
    )
    await e.advance(10_000)
    await waitActive(e, 1)
  })

  test("adopts a matching orphan pod (reference and finalizer added) and counts it", async () => {
    const e = await start()
    // GIVEN a succeeded pod that no one owns, labelled as a manual selector will match
    await e.client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "stray", namespace: e.ns, labels: { app: "adopt" } },
      spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
    })
    await e.setPhase("stray", "Succeeded")
    // WHEN a Job of one completion selects it
    await create(e, "adopt", {
      manualSelector: true,
      selector: { matchLabels: { app: "adopt" } },
      template: {
        metadata: { labels: { app: "adopt" } },
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
      },
    })
    // THEN the pod is its own and its success completes the Job without a new pod
    const job = await waitCondition(e, "adopt", "Complete")
    assert.equal(job.status?.succeeded, 1)
    const pods = await e.pods()
    assert.deepEqual(
      pods.map((p) => p.metadata?.name),
      ["stray"],
    )
    assert.equal(pods[0]?.metadata?.ownerReferences?.[0]?.uid, job.metadata?.uid)
    assert.deepEqual(pods[0]?.metadata?.finalizers ?? [], [])
  })

  test("releases the tracking finalizer of pods whose Job is gone", async () => {
    const e = await start()
    const job = await create(e, "gone", { parallelism: 2, completions: 2 })
    await waitActive(e, 2)
    await e.client
      .resource(Jobs)
      .delete({ namespace: e.ns, name: "gone" }, { propagationPolicy: "Background" })
    await e.eventually(
      async () => (await e.pods()).every((p) => !p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER)),
      "released",
    )
    assert.equal((await e.pods())[0]?.metadata?.ownerReferences?.[0]?.uid, job.metadata?.uid)
  })

  test("podReplacementPolicy Failed: a terminating pod is replaced only once it failed", async () => {
    const e = await start()
    await create(e, "repl", { podReplacementPolicy: "Failed", backoffLimit: 3 })
    const [pod] = await waitActive(e, 1)
    // WHEN the pod is deleted it terminates (our finalizer holds it) and is not replaced
    await e.client.resource(Pods).delete({ namespace: e.ns, name: pod?.metadata?.name ?? "" })
    await e.eventually(async () => (await getJob(e, "repl")).status?.terminating === 1, "one terminating")
    await e.advance(60_000)
    assert.equal((await activePods(e)).length, 0)
    // THEN once it reaches Failed, it is counted and replaced after the backoff
    await e.setPhase(pod as Pod, "Failed")
    await e.eventually(async () => (await getJob(e, "repl")).status?.failed === 1, "counted")
    await e.advance(10_000)
    await waitActive(e, 1)
  })

  test("counts every pod exactly once while many finish at once", async () => {
    const e = await start()
    await create(e, "many", { completions: 150, parallelism: 50 })
    let set = 0
    while (set < 150) {
      const running = await activePods(e)
      for (const p of running) await e.setPhase(p, "Succeeded")
      set += running.length
      if (running.length === 0) await e.eventually(async () => (await activePods(e)).length > 0, "more pods")
    }
    const job = await waitCondition(e, "many", "Complete")
    const pods = await e.pods()
    assert.equal(set, 150)
    assert.equal(pods.length, 150)
    assert.equal(job.status?.succeeded, 150)
  })

  test("an orphan pod appearing later wakes the Job its job-name label names", async () => {
    const e = await start()
    const selector = { matchLabels: { app: "late" } }
    const template = {
      metadata: { labels: { app: "late" } },
      spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
    }
    const job = await create(e, "late", { manualSelector: true, selector, template, suspend: true })
    await waitCondition(e, "late", "Suspended")
    await e.client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "walk-in",
        namespace: e.ns,
        labels: { app: "late", "batch.kubernetes.io/job-name": "late" },
      },
      spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
    })
    // The suspended Job adopts it, then deletes it as it deletes every active pod
    await e.eventually(
      async () => (await e.events("late")).some((ev) => ev.message === "Deleted pod: walk-in"),
      "the pod adopted and deleted",
    )
    assert.equal((await e.pods()).length, 0)
    assert.ok(job.metadata?.uid)
  })

  test("a failing Job with running pods is FailureTarget until they terminate, then Failed", async () => {
    const e = await start()
    await create(e, "held", { activeDeadlineSeconds: 10, parallelism: 2, completions: 2 })
    const pods = await waitActive(e, 2)
    // GIVEN its pods run on a node (deleting them waits for the kubelet's grace period)
    for (const p of pods) {
      await e.client.request({
        method: "POST",
        ref: Pods,
        namespace: e.ns,
        name: p.metadata?.name ?? "",
        subresource: "binding",
        body: {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: p.metadata?.name },
          target: { kind: "Node", name: "n1" },
        },
      })
      await e.setPhase(p, "Running")
    }
    // WHEN the deadline passes
    await e.advance(10_000)
    let job = await waitCondition(e, "held", "FailureTarget")
    assert.equal(cond(job, "FailureTarget")?.reason, "DeadlineExceeded")
    await e.eventually(async () => (await getJob(e, "held")).status?.terminating === 2, "two terminating")
    assert.equal(cond(await getJob(e, "held"), "Failed"), undefined)
    // THEN once the kubelet confirms the pods are gone, the Job is Failed
    for (const p of pods) {
      await e.client
        .resource(Pods)
        .delete({ namespace: e.ns, name: p.metadata?.name ?? "" }, { gracePeriodSeconds: 0 })
    }
    job = await waitCondition(e, "held", "Failed")
    assert.equal(cond(job, "Failed")?.reason, "DeadlineExceeded")
    assert.equal(job.status?.terminating, 0)
    assert.equal(job.status?.failed, 2)
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { isNotFound, Nodes, Pods } from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { GC_CHECK_PERIOD_MS, podGcController } from "./podgc.ts"

describe("podGcController", () => {
  let t: LifecycleEnv
  let ns: string
  before(async () => {
    t = await startLifecycleEnv([podGcController({ terminatedPodThreshold: 2 })])
    ns = await t.namespace("podgc")
  })
  after(() => t.stop())

  async function pod(name: string, opts: { nodeName?: string; phase?: string; grace?: number } = {}) {
    const created = await t.client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: ns, labels: { test: name.split("-")[0] ?? "" } },
      spec: {
        containers: [{ name: "c", image: "busybox" }],
        ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
        ...(opts.grace !== undefined ? { terminationGracePeriodSeconds: opts.grace } : {}),
      },
    })
    if (opts.phase)
      await t.client
        .resource(Pods)
        .updateStatus({ ...created, status: { ...created.status, phase: opts.phase } })
  }
  async function names(label: string): Promise<string[]> {
    const list = await t.client.resource(Pods).list({ namespace: ns, labelSelector: `test=${label}` })
    return list.items.map((p) => p.metadata?.name ?? "").sort()
  }
  function exists(name: string) {
    return t.client
      .resource(Pods)
      .get({ namespace: ns, name })
      .then(
        () => true,
        (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)),
      )
  }

  test("deletes the oldest terminated pods beyond the threshold", async () => {
    // GIVEN four terminated pods, created a second apart, and a running one
    for (const [i, phase] of ["Succeeded", "Failed", "Succeeded", "Failed"].entries()) {
      await pod(`done-${i}`, { phase })
      await t.clock.advance(1_000)
    }
    await pod("done-running", { phase: "Running", nodeName: "node-x" })
    await t.client.resource(Nodes).create({ apiVersion: "v1", kind: "Node", metadata: { name: "node-x" } })
    // WHEN the collector runs
    await t.clock.advance(GC_CHECK_PERIOD_MS)
    // THEN only the two newest terminated pods and the running one remain
    await t.until(async () => (await names("done")).length === 3, "two pods to go")
    assert.deepEqual(await names("done"), ["done-2", "done-3", "done-running"])
  })

  test("deletes pods bound to a missing node after the quarantine", async () => {
    // GIVEN a running pod on a node that does not exist
    await pod("orphan-a", { nodeName: "ghost", phase: "Running" })
    // WHEN less than the quarantine has passed, it stays
    await t.clock.advance(GC_CHECK_PERIOD_MS)
    await t.clock.advance(GC_CHECK_PERIOD_MS)
    assert.equal(await exists("orphan-a"), true)
    // THEN after it, the pod is force-deleted
    await t.clock.advance(GC_CHECK_PERIOD_MS)
    await t.until(async () => !(await exists("orphan-a")), "the orphaned pod to go")
  })

  test("force-deletes terminating pods on a not-ready node tainted out-of-service", async () => {
    await t.client.resource(Nodes).create({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "node-oos" },
      spec: { taints: [{ key: "node.kubernetes.io/out-of-service", effect: "NoExecute" }] },
      status: { conditions: [{ type: "Ready", status: "False" }] },
    })
    await pod("oos-a", { nodeName: "node-oos", phase: "Running", grace: 30 })
    await t.client.resource(Pods).delete({ namespace: ns, name: "oos-a" })
    assert.equal(await exists("oos-a"), true, "the pod terminates gracefully")
    await t.clock.advance(GC_CHECK_PERIOD_MS)
    await t.until(async () => !(await exists("oos-a")), "the terminating pod to go")
  })

  test("marks an unscheduled terminating pod Failed and force-deletes it", async () => {
    // GIVEN an unscheduled pod whose deletion waits on a finalizer
    await t.client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "stuck", namespace: ns, finalizers: ["example.com/hold"] },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    })
    await t.client.resource(Pods).delete({ namespace: ns, name: "stuck" })
    // WHEN the collector runs, THEN the pod is Failed (nobody else will ever finish it)
    await t.clock.advance(GC_CHECK_PERIOD_MS)
    await t.until(
      async () =>
        (await t.client.resource(Pods).get({ namespace: ns, name: "stuck" })).status?.phase === "Failed",
      "the pod to be marked Failed",
    )
    const p = await t.client.resource(Pods).get({ namespace: ns, name: "stuck" })
    await t.client.resource(Pods).update({ ...p, metadata: { ...p.metadata, finalizers: [] } })
    await t.until(async () => !(await exists("stuck")), "the pod to go")
  })
})

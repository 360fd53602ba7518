import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { ApiError, Events, Leases, Namespaces, Nodes, Pods } from "../../api/index.ts"
import { startLifecycleEnv } from "../lifecycle-env.case.ts"
import { TAINT_INTERVAL_MS } from "./disruption.ts"
import { NODE_MONITOR_GRACE_MS } from "./health.ts"
import { NODE_LEASE_NAMESPACE, nodeLifecycleController } from "./nodelifecycle.ts"
import { rfc3339 } from "../../util/index.ts"

/** An env running the controller, with helpers for nodes that heartbeat through leases. */
async function nodeEnv() {
  const t = await startLifecycleEnv([nodeLifecycleController])
  await t.client
    .resource(Namespaces)
    .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NODE_LEASE_NAMESPACE } })
    .catch((err: unknown) => {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
    })
  const beating = new Set<string>()
  const h = {
    t,
    /** Registers a Ready node with a fresh lease; it keeps beating while in `beating`. */
    async readyNode(name: string, opts: { beat?: boolean } = {}) {
      const now = rfc3339(t.clock.now())
      await t.client.resource(Nodes).create({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name },
        status: {
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "KubeletReady",
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
            { type: "MemoryPressure", status: "False", lastHeartbeatTime: now, lastTransitionTime: now },
          ],
        },
      })
      await t.client.resource(Leases).create({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace: NODE_LEASE_NAMESPACE },
        spec: {
          holderIdentity: name,
          leaseDurationSeconds: 40,
          renewTime: `${rfc3339(t.clock.now()).slice(0, -1)}.000000Z`,
        },
      })
      if (opts.beat) beating.add(name)
    },
    stopBeating(name: string) {
      beating.delete(name)
    },
    /** Moves time on in 10 s steps, renewing the leases of the beating nodes at each. */
    async advance(ms: number) {
      for (let done = 0; done < ms;) {
        const step = Math.min(10_000, ms - done)
        await t.clock.advance(step)
        done += step
        for (const name of beating) {
          const lease = await t.client.resource(Leases).get({ namespace: NODE_LEASE_NAMESPACE, name })
          const renewTime = `${rfc3339(t.clock.now()).slice(0, -1)}.000000Z`
          await t.client.resource(Leases).update({ ...lease, spec: { ...lease.spec, renewTime } })
        }
        await t.settle()
      }
    },
    async ready(name: string) {
      const node = await t.client.resource(Nodes).get({ name })
      return node.status?.conditions?.find((c) => c.type === "Ready")
    },
    async taints(name: string) {
      const node = await t.client.resource(Nodes).get({ name })
      return (node.spec?.taints ?? []).map((x) => `${x.key}:${x.effect}`).sort()
    },
  }
  return h
}

describe("nodeLifecycleController", () => {
  let h: Awaited<ReturnType<typeof nodeEnv>>
  before(async () => {
    h = await nodeEnv()
    await h.t.namespace("nlc")
    await h.readyNode("healthy", { beat: true })
  })
  after(() => h.t.stop())

  test("a node whose lease is not renewed for 40 s becomes Unknown and tainted unreachable", async () => {
    const { t } = h
    // GIVEN a ready node with a running pod, beside a healthy node
    await h.readyNode("silent")
    const pod = await t.client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "on-silent", namespace: "nlc" },
      spec: { nodeName: "silent", containers: [{ name: "c", image: "busybox" }] },
    })
    await t.client.resource(Pods).updateStatus({
      ...pod,
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
    })
    await t.settle()
    // WHEN it stays silent for less than the grace period, nothing changes
    await h.advance(NODE_MONITOR_GRACE_MS - 1_000)
    assert.equal((await h.ready("silent"))?.status, "True")
    // THEN past it, the node is Unknown, tainted, and its pod not ready
    await h.advance(1_000)
    await t.until(async () => (await h.ready("silent"))?.status === "Unknown", "the node to turn Unknown")
    const cond = await h.ready("silent")
    assert.equal(cond?.reason, "NodeStatusUnknown")
    assert.equal(cond?.message, "Kubelet stopped posting node status.")
    await t.until(
      async () =>
        JSON.stringify(await h.taints("silent")) ===
        JSON.stringify([
          "node.kubernetes.io/unreachable:NoExecute",
          "node.kubernetes.io/unreachable:NoSchedule",
        ]),
      "the unreachable taints",
    )
    const node = await t.client.resource(Nodes).get({ name: "silent" })
    assert.equal(node.status?.conditions?.find((c) => c.type === "MemoryPressure")?.status, "Unknown")
    await t.until(async () => {
      const p = await t.client.resource(Pods).get({ namespace: "nlc", name: "on-silent" })
      return p.status?.conditions?.find((c) => c.type === "Ready")?.status === "False"
    }, "the pod to be marked not ready")
    assert.equal((await h.ready("healthy"))?.status, "True")
  })

  test("records RegisteredNode for a Node it first sees and RemovingNode when it goes", async () => {
    const { t } = h
    await h.readyNode("passing")
    const node = await t.client.resource(Nodes).get({ name: "passing" })
    const events = async (reason: string) =>
      (
        await t.client
          .resource(Events)
          .list({ namespace: "default", fieldSelector: `involvedObject.name=passing,reason=${reason}` })
      ).items
    await t.until(async () => (await events("RegisteredNode")).length > 0, "RegisteredNode")
    const [registered] = await events("RegisteredNode")
    assert.equal(registered?.type, "Normal")
    assert.equal(registered?.message, "Node passing event: Registered Node passing in Controller")
    assert.deepEqual(registered?.involvedObject, {
      apiVersion: "v1",
      kind: "Node",
      name: "passing",
      uid: node.metadata?.uid,
    })
    assert.deepEqual(registered?.source, { component: "node-controller" })
    // A status change of a known node registers nothing again.
    await t.client.resource(Nodes).updateStatus({ ...node, status: { ...node.status, phase: "Running" } })
    await t.settle()
    await t.client.resource(Nodes).delete({ name: "passing" })
    await t.until(async () => (await events("RemovingNode")).length > 0, "RemovingNode")
    const [removing] = await events("RemovingNode")
    assert.equal(removing?.message, "Node passing event: Removing Node passing from Controller")
    assert.equal(removing?.involvedObject.uid, node.metadata?.uid)
    assert.equal((await events("RegisteredNode"))[0]?.count, 1)
  })

  test("a node that reports NotReady is tainted not-ready, and untainted when Ready again", async () => {
    const { t } = h
    await h.readyNode("flaky", { beat: true })
    const set = async (status: string) => {
      const node = await t.client.resource(Nodes).get({ name: "flaky" })
      const now = rfc3339(t.clock.now())
      const conditions = (node.status?.conditions ?? []).map((c) =>
        c.type === "Ready" ? { ...c, status, lastHeartbeatTime: now, lastTransitionTime: now } : c,
      )
      await t.client.resource(Nodes).updateStatus({ ...node, status: { ...node.status, conditions } })
    }
    await h.advance(TAINT_INTERVAL_MS) // past the pace of the previous test's taint
    await set("False")
    await t.until(
      async () =>
        JSON.stringify(await h.taints("flaky")) ===
        JSON.stringify(["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"]),
      "the not-ready taints",
    )
    await set("True")
    await t.until(async () => (await h.taints("flaky")).length === 0, "the taints to go")
  })
})

describe("nodeLifecycleController pacing and disruption", () => {
  test("a renewed lease keeps a node Ready; nodes that fall silent together are tainted 10 s apart", async () => {
    const h = await nodeEnv()
    try {
      await h.readyNode("a", { beat: true })
      await h.readyNode("b", { beat: true })
      await h.readyNode("c", { beat: true })
      await h.t.settle()
      await h.advance(80_000)
      assert.equal((await h.ready("a"))?.status, "True")
      h.stopBeating("a")
      h.stopBeating("b")
      await h.advance(NODE_MONITOR_GRACE_MS)
      await h.t.until(
        async () => (await h.ready("a"))?.status === "Unknown" && (await h.ready("b"))?.status === "Unknown",
        "both to turn Unknown",
      )
      const tainted = async () =>
        (await Promise.all(["a", "b"].map(h.taints))).filter((ts) =>
          ts.includes("node.kubernetes.io/unreachable:NoExecute"),
        ).length
      await h.t.until(async () => (await tainted()) === 1, "the first taint")
      await h.t.settle()
      assert.equal(await tainted(), 1, "the second waits for the pace")
      await h.advance(TAINT_INTERVAL_MS)
      await h.t.until(async () => (await tainted()) === 2, "the second taint")
    } finally {
      await h.t.stop()
    }
  })

  test("when every node is down, no node is tainted NoExecute", async () => {
    const h = await nodeEnv()
    try {
      await h.readyNode("only")
      await h.t.settle()
      await h.advance(NODE_MONITOR_GRACE_MS)
      await h.t.until(async () => (await h.ready("only"))?.status === "Unknown", "the node to turn Unknown")
      await h.t.until(
        async () =>
          JSON.stringify(await h.taints("only")) ===
          JSON.stringify(["node.kubernetes.io/unreachable:NoSchedule"]),
        "the NoSchedule taint",
      )
      await h.advance(10_000)
      assert.deepEqual(await h.taints("only"), ["node.kubernetes.io/unreachable:NoSchedule"])
    } finally {
      await h.t.stop()
    }
  })
})

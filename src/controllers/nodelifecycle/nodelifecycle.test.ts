import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { ApiError, Leases, Namespaces, Nodes, Pods } from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { NODE_MONITOR_GRACE_MS } from "./health.ts"
import { NODE_LEASE_NAMESPACE, nodeLifecycleController } from "./nodelifecycle.ts"

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z")
}

describe("nodeLifecycleController", () => {
  let t: LifecycleEnv
  before(async () => {
    t = await startLifecycleEnv([nodeLifecycleController])
    await t.client
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NODE_LEASE_NAMESPACE } })
      .catch((err: unknown) => {
        if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
      })
    await t.namespace("nlc")
  })
  after(() => t.stop())

  async function readyNode(name: string) {
    const now = iso(t.clock.now())
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
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: iso(t.clock.now()) },
    })
  }
  async function renew(name: string) {
    const lease = await t.client.resource(Leases).get({ namespace: NODE_LEASE_NAMESPACE, name })
    await t.client
      .resource(Leases)
      .update({ ...lease, spec: { ...lease.spec, renewTime: `${iso(t.clock.now()).slice(0, -1)}.000000Z` } })
  }
  async function ready(name: string) {
    const node = await t.client.resource(Nodes).get({ name })
    return node.status?.conditions?.find((c) => c.type === "Ready")
  }

  test("a node whose lease is not renewed for 40 s becomes Unknown and tainted unreachable", async () => {
    // GIVEN a ready node with a pod
    await readyNode("silent")
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
    await t.until(async () => (await t.client.resource(Nodes).list()).items.length > 0, "the node")
    // WHEN it stays silent for less than the grace period, nothing changes
    await t.clock.advance(NODE_MONITOR_GRACE_MS - 1_000)
    assert.equal((await ready("silent"))?.status, "True")
    // THEN past it, the node is Unknown, tainted, and its pod not ready
    await t.clock.advance(1_000)
    await t.until(async () => (await ready("silent"))?.status === "Unknown", "the node to turn Unknown")
    const cond = await ready("silent")
    assert.equal(cond?.reason, "NodeStatusUnknown")
    assert.equal(cond?.message, "Kubelet stopped posting node status.")
    await t.until(async () => {
      const node = await t.client.resource(Nodes).get({ name: "silent" })
      const taints = (node.spec?.taints ?? []).map((x) => `${x.key}:${x.effect}`).sort()
      return (
        JSON.stringify(taints) ===
        JSON.stringify([
          "node.kubernetes.io/unreachable:NoExecute",
          "node.kubernetes.io/unreachable:NoSchedule",
        ])
      )
    }, "the unreachable taints")
    const node = await t.client.resource(Nodes).get({ name: "silent" })
    const memory = node.status?.conditions?.find((c) => c.type === "MemoryPressure")
    assert.equal(memory?.status, "Unknown")
    await t.until(async () => {
      const p = await t.client.resource(Pods).get({ namespace: "nlc", name: "on-silent" })
      return p.status?.conditions?.find((c) => c.type === "Ready")?.status === "False"
    }, "the pod to be marked not ready")
  })

  test("a renewed lease keeps the node Ready", async () => {
    await readyNode("chatty")
    for (let i = 0; i < 4; i++) {
      await t.clock.advance(20_000)
      await renew("chatty")
      await t.settle()
    }
    await t.clock.advance(20_000)
    assert.equal((await ready("chatty"))?.status, "True")
    await t.clock.advance(NODE_MONITOR_GRACE_MS)
    await t.until(async () => (await ready("chatty"))?.status === "Unknown", "the node to turn Unknown")
  })

  test("a node that reports NotReady is tainted not-ready, and untainted when Ready again", async () => {
    await readyNode("flaky")
    const set = async (status: string) => {
      const node = await t.client.resource(Nodes).get({ name: "flaky" })
      const now = iso(t.clock.now())
      const conditions = (node.status?.conditions ?? []).map((c) =>
        c.type === "Ready" ? { ...c, status, lastHeartbeatTime: now, lastTransitionTime: now } : c,
      )
      await t.client.resource(Nodes).updateStatus({ ...node, status: { ...node.status, conditions } })
    }
    const taints = async () =>
      ((await t.client.resource(Nodes).get({ name: "flaky" })).spec?.taints ?? [])
        .map((x) => `${x.key}:${x.effect}`)
        .sort()
    await set("False")
    await t.until(
      async () =>
        JSON.stringify(await taints()) ===
        JSON.stringify(["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"]),
      "the not-ready taints",
    )
    await set("True")
    await t.until(async () => (await taints()).length === 0, "the taints to go")
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Taint, Toleration } from "kubernetes-types/core/v1.js"
import { Events, isNotFound, Nodes, Pods, type TrackedPodCondition } from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { taintEvictionController } from "./taint-eviction.ts"

describe("taintEvictionController", () => {
  let t: LifecycleEnv
  const ns = "taints"
  before(async () => {
    t = await startLifecycleEnv([taintEvictionController])
    await t.namespace(ns)
  })
  after(() => t.stop())

  async function node(name: string, taints: Taint[] = []) {
    await t.client
      .resource(Nodes)
      .create({ apiVersion: "v1", kind: "Node", metadata: { name }, spec: { taints } })
  }
  async function setTaints(name: string, taints: Taint[]) {
    const n = await t.client.resource(Nodes).get({ name })
    await t.client.resource(Nodes).update({ ...n, spec: { ...n.spec, taints } })
  }
  async function pod(name: string, nodeName: string, tolerations: Toleration[] = []) {
    await t.client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: ns },
      spec: { nodeName, tolerations, containers: [{ name: "c", image: "busybox" }] },
    })
  }
  /** Waits for the controller's TaintManagerEviction event with `message`. */
  async function eventSaying(message: string) {
    await t.until(
      async () =>
        (await t.client.resource(Events).list({ namespace: ns })).items.some((e) => e.message === message),
      `the event "${message}"`,
    )
  }
  /** Evicted: deleted, or terminating gracefully on its node. */
  async function evicted(name: string): Promise<boolean> {
    try {
      const p = await t.client.resource(Pods).get({ namespace: ns, name })
      return !!p.metadata?.deletionTimestamp
    } catch (err) {
      if (isNotFound(err)) return true
      throw err
    }
  }

  test("evicts at once a pod that does not tolerate a NoExecute taint", async () => {
    await node("bad-node", [{ key: "example.com/broken", effect: "NoExecute" }])
    await pod("intolerant", "bad-node")
    await t.until(() => evicted("intolerant"), "the pod to be evicted")
    const p = await t.client.resource(Pods).get({ namespace: ns, name: "intolerant" })
    const cond = p.status?.conditions?.find((c) => c.type === "DisruptionTarget")
    assert.equal(cond?.reason, "DeletionByTaintManager")
    // Written before the delete that bumped the generation to 2.
    assert.equal((cond as TrackedPodCondition | undefined)?.observedGeneration, 1)
    assert.equal(p.metadata?.generation, 2)
  })

  test("evicts a pod when its default 300 s toleration of unreachable runs out", async () => {
    // GIVEN a pod (with the tolerations admission adds) on a node that becomes unreachable
    await node("lost-node")
    await pod("patient", "lost-node")
    await pod("forever", "lost-node", [
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
    ])
    await setTaints("lost-node", [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }])
    await eventSaying(`Marking for deletion Pod ${ns}/patient`)
    // WHEN less than 300 s pass, it stays
    await t.clock.advance(299_000)
    assert.equal(await evicted("patient"), false)
    // THEN at 300 s it is evicted; the pod tolerating forever stays
    await t.clock.advance(1_000)
    await t.until(() => evicted("patient"), "the pod to be evicted")
    assert.equal(await evicted("forever"), false)
  })

  test("spares a pod when the taint goes before its toleration runs out", async () => {
    await node("blip-node")
    await pod("spared", "blip-node", [
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 },
    ])
    await setTaints("blip-node", [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }])
    await eventSaying(`Marking for deletion Pod ${ns}/spared`)
    await t.clock.advance(30_000)
    await setTaints("blip-node", [])
    await eventSaying(`Cancelling deletion of Pod ${ns}/spared`)
    await t.clock.advance(60_000)
    assert.equal(await evicted("spared"), false)
  })
})

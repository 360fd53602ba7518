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
  /** The controller's TaintManagerEviction events about pod `name`, oldest first. */
  async function evictionEvents(name: string) {
    return (await t.client.resource(Events).list({ namespace: ns })).items
      .filter((e) => e.reason === "TaintManagerEviction" && e.involvedObject.name === name)
      .sort((a, b) => (a.firstTimestamp ?? "").localeCompare(b.firstTimestamp ?? ""))
  }
  /** Sets a node's taints and lets the controller see them (so its clock reads start now). */
  async function taintAndSettle(nodeName: string, taints: Taint[]) {
    await setTaints(nodeName, taints)
    await t.until(
      async () => (t.informers.get(Nodes).cache.get(nodeName)?.spec?.taints?.length ?? 0) === taints.length,
      `node ${nodeName} to have ${taints.length} taints in the cache`,
    )
    await t.settle()
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
    await taintAndSettle("lost-node", [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }])
    // WHEN less than 300 s pass, it stays
    await t.clock.advance(299_000)
    assert.equal(await evicted("patient"), false)
    // THEN at 300 s it is evicted; the pod tolerating forever stays
    await t.clock.advance(1_000)
    await t.until(() => evicted("patient"), "the pod to be evicted")
    assert.equal(await evicted("forever"), false)
  })

  const notReady: Taint = { key: "node.kubernetes.io/not-ready", effect: "NoExecute" }
  const tolerateNotReady60s: Toleration = { ...notReady, operator: "Exists", tolerationSeconds: 60 }
  // Upstream tells "Marking for deletion" when the pod is deleted (deletePodHandler), and
  // "Cancelling deletion" only when an eviction still pending is called off.
  const eventCases: {
    name: string
    /** What happens 30 s into the pod's 60 s toleration of not-ready. */
    then: Taint[]
    wantEvicted: boolean
    wantEvents: string[]
  }[] = [
    {
      name: "a pod whose toleration runs out is told of its deletion when it is deleted",
      then: [notReady],
      wantEvicted: true,
      wantEvents: ["Marking for deletion Pod"],
    },
    {
      name: "a pod spared when the taint goes is told only of the cancelling",
      then: [],
      wantEvicted: false,
      wantEvents: ["Cancelling deletion of Pod"],
    },
    {
      name: "a pod whose pending eviction gives way to one at once is told of both",
      then: [notReady, { key: "example.com/broken", effect: "NoExecute" }],
      wantEvicted: true,
      wantEvents: ["Cancelling deletion of Pod", "Marking for deletion Pod"],
    },
  ]
  for (const [i, c] of eventCases.entries()) {
    test(`TaintManagerEviction events: ${c.name}`, async () => {
      const nodeName = `events-node-${i}`
      const podName = `events-${i}`
      const want = c.wantEvents.map((m) => `${m} ${ns}/${podName}`)
      // GIVEN a pod tolerating not-ready for 60 s on a node that becomes not ready
      await node(nodeName)
      await pod(podName, nodeName, [tolerateNotReady60s])
      await taintAndSettle(nodeName, [notReady])
      // WHEN 30 s pass (nothing told yet: an eviction scheduled is not a deletion), then the taints change
      await t.clock.advance(30_000)
      await t.settle()
      assert.deepEqual(await evictionEvents(podName), [])
      await taintAndSettle(nodeName, c.then)
      await t.clock.advance(30_000)
      // THEN the pod is evicted or not, and the events tell just that
      if (c.wantEvicted) await t.until(() => evicted(podName), "the pod to be evicted")
      for (const m of want) await eventSaying(m)
      await t.clock.advance(60_000)
      await t.settle()
      assert.equal(await evicted(podName), c.wantEvicted)
      const events = await evictionEvents(podName)
      assert.deepEqual(
        events.map((e) => e.message),
        want,
      )
      if (!c.wantEvicted) return
      // Told when the pod was deleted: at the time of its DisruptionTarget condition.
      const p = await t.client.resource(Pods).get({ namespace: ns, name: podName })
      const cond = p.status?.conditions?.find((x) => x.type === "DisruptionTarget")
      assert.equal(events.at(-1)?.firstTimestamp, cond?.lastTransitionTime)
    })
  }

  test("a pod deleted while its eviction is pending is told of the cancelling", async () => {
    await node("gone-pod-node")
    await pod("gone", "gone-pod-node", [tolerateNotReady60s])
    await taintAndSettle("gone-pod-node", [notReady])
    await t.clock.advance(30_000)
    await t.settle()
    await t.client.resource(Pods).delete({ namespace: ns, name: "gone" }, { gracePeriodSeconds: 0 })
    await eventSaying(`Cancelling deletion of Pod ${ns}/gone`)
    const [e] = await evictionEvents("gone")
    assert.deepEqual(e?.involvedObject, { apiVersion: "v1", kind: "Pod", name: "gone", namespace: ns })
    await t.clock.advance(60_000)
    await t.settle()
    assert.deepEqual(
      (await evictionEvents("gone")).map((x) => x.message),
      [`Cancelling deletion of Pod ${ns}/gone`],
    )
  })

  test("an eviction pending when its node is deleted still fires when due", async () => {
    await node("gone-node")
    await pod("orphan", "gone-node", [tolerateNotReady60s])
    await taintAndSettle("gone-node", [notReady])
    await t.client.resource(Nodes).delete({ name: "gone-node" })
    await t.until(async () => !t.informers.get(Nodes).cache.get("gone-node"), "the node to leave the cache")
    // The pod changing makes the controller look at it again with its node gone.
    await t.client
      .resource(Pods)
      .patch({ namespace: ns, name: "orphan" }, { metadata: { labels: { a: "b" } } }, { type: "merge" })
    await t.settle()
    await t.clock.advance(59_000)
    await t.settle()
    assert.equal(await evicted("orphan"), false)
    await t.clock.advance(1_000)
    await t.until(() => evicted("orphan"), "the pod to be evicted")
    assert.deepEqual(
      (await evictionEvents("orphan")).map((x) => x.message),
      [`Marking for deletion Pod ${ns}/orphan`],
    )
  })
})

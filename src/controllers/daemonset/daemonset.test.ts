import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { DaemonSet } from "kubernetes-types/apps/v1.js"
import { type ApiObject, ControllerRevisions, DaemonSets, Nodes, Pods } from "../../api/index.ts"
import { type Harness, startHarness } from "../set-pods/harness.test.ts"
import type { PodObject } from "../set-pods/index.ts"
import { newDaemonSetController } from "./index.ts"
import { targetNodeName } from "./pods.ts"

type Ds = DaemonSet & ApiObject

function daemonSet(ns: string, name: string, spec: Partial<NonNullable<DaemonSet["spec"]>> = {}): Ds {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "agent", image: "agent:1" }] },
      },
      ...spec,
    },
  }
}

describe("daemonSetController", () => {
  let h: Harness
  before(async () => {
    h = await startHarness(newDaemonSetController())
  })
  after(() => h.stop())

  const ds = (ns: string, name: string) =>
    h.informers.get(DaemonSets).cache.get(`${ns}/${name}`) as Ds | undefined
  const live = (ns: string) => h.pods(ns).filter((p) => !p.metadata?.deletionTimestamp)
  const nodesOf = (pods: PodObject[]) => pods.map((p) => targetNodeName(p)).sort()
  /** Plays scheduler and kubelet once: binds new pods to their node, readies them, finishes deletions. */
  async function runPods(ns: string): Promise<void> {
    for (const p of h.pods(ns)) {
      if (p.metadata?.deletionTimestamp || p.status?.phase !== "Pending") continue
      if (!p.spec?.nodeName) await h.bind(p, targetNodeName(p) ?? "")
      await h.markRunning(p)
    }
    await h.finishDeletes(ns)
  }
  async function converge(ns: string, cond: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 50 && !cond(); i++) {
      await runPods(ns)
      await h.idle()
    }
    await h.until(cond, what)
  }
  async function editNode(name: string, edit: (node: any) => void): Promise<void> {
    const node = await h.client.resource(Nodes).get({ name })
    edit(node)
    await h.client.resource(Nodes).update(node)
  }
  async function editSpec(ns: string, name: string, edit: (spec: any) => void): Promise<void> {
    const cur = await h.client.resource(DaemonSets).get({ namespace: ns, name })
    edit(cur.spec)
    await h.client.resource(DaemonSets).update(cur)
  }

  test("places one pod per node matching the selector and tolerated taints, pinned by node affinity", async () => {
    const ns = await h.namespace()
    await h.node("p-a", { labels: { disk: "ssd" } })
    await h.node("p-b", { labels: { disk: "hdd" } })
    await h.node("p-c", {
      labels: { disk: "ssd" },
      taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }],
    })
    await h.client.resource(DaemonSets).create(
      daemonSet(ns, "ds", {
        template: {
          ...daemonSet(ns, "ds").spec!.template,
          spec: { nodeSelector: { disk: "ssd" }, containers: [{ name: "agent", image: "agent:1" }] },
        },
      }),
    )
    await h.until(() => live(ns).length === 1, "one pod")
    await h.idle()
    const pod = live(ns)[0] as PodObject
    assert.deepEqual(nodesOf(live(ns)), ["p-a"])
    assert.ok(pod.metadata?.name?.startsWith("ds-"))
    assert.deepEqual(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
      nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["p-a"] }] }],
    })
    const tolerated = (pod.spec?.tolerations ?? []).map((t) => `${t.key}:${t.effect}`)
    assert.ok(tolerated.includes("node.kubernetes.io/not-ready:NoExecute"))
    assert.ok(tolerated.includes("node.kubernetes.io/unschedulable:NoSchedule"))
    assert.ok(!tolerated.includes("node.kubernetes.io/network-unavailable:NoSchedule"))
    assert.equal(pod.spec?.nodeName, undefined, "the scheduler binds it")
    const revs = h.informers.get(ControllerRevisions).cache.list(ns)
    assert.equal(revs.length, 1)
    assert.equal(
      pod.metadata?.labels?.["controller-revision-hash"],
      revs[0]?.metadata?.labels?.["controller-revision-hash"],
    )
    assert.equal(revs[0]?.metadata?.name, `ds-${pod.metadata?.labels?.["controller-revision-hash"]}`)
    await converge(ns, () => ds(ns, "ds")?.status?.numberAvailable === 1, "one available")
    assert.deepEqual(
      { ...ds(ns, "ds")?.status },
      {
        currentNumberScheduled: 1,
        desiredNumberScheduled: 1,
        numberAvailable: 1,
        numberMisscheduled: 0,
        numberReady: 1,
        observedGeneration: 1,
        updatedNumberScheduled: 1,
      },
    )
    const created = await h.events(ns, "SuccessfulCreate")
    assert.deepEqual(created, [`Created pod: ${pod.metadata?.name}`])
  })

  test("follows node changes: a node that starts matching gets a pod, one that stops matching loses it", async () => {
    const ns = await h.namespace()
    await h.node("c-a", { labels: { role: "edge" } })
    await h.node("c-b", { labels: { role: "core" } })
    const base = daemonSet(ns, "edge")
    base.spec!.template.spec!.nodeSelector = { role: "edge" }
    await h.client.resource(DaemonSets).create(base)
    await converge(ns, () => ds(ns, "edge")?.status?.numberReady === 1, "a ready pod on c-a")
    await editNode("c-b", (n) => (n.metadata.labels.role = "edge"))
    await converge(ns, () => ds(ns, "edge")?.status?.numberReady === 2, "a ready pod on c-b")
    assert.deepEqual(nodesOf(live(ns)), ["c-a", "c-b"])
    // A NoSchedule taint keeps the running pod but no longer counts the node as desired.
    await editNode("c-a", (n) => (n.spec.taints = [{ key: "maint", effect: "NoSchedule" }]))
    await h.until(() => ds(ns, "edge")?.status?.numberMisscheduled === 1, "c-a misscheduled")
    assert.equal(ds(ns, "edge")?.status?.desiredNumberScheduled, 1)
    assert.deepEqual(nodesOf(live(ns)), ["c-a", "c-b"])
    // A NoExecute taint, or a label that stops matching, removes it.
    await editNode("c-a", (n) => (n.spec.taints = [{ key: "maint", effect: "NoExecute" }]))
    await converge(ns, () => live(ns).length === 1, "the pod on c-a gone")
    await editNode("c-b", (n) => (n.metadata.labels.role = "core"))
    await converge(ns, () => h.pods(ns).length === 0, "the pod on c-b gone")
    const status = ds(ns, "edge")?.status
    assert.equal(status?.desiredNumberScheduled, 0)
    assert.equal(status?.numberMisscheduled, 0)
  })

  test("replaces a failed pod, backing off before replacing it again", async () => {
    const ns = await h.namespace()
    await h.node("f-a", { labels: { pool: "f" } })
    const base = daemonSet(ns, "fail")
    base.spec!.template.spec!.nodeSelector = { pool: "f" }
    await h.client.resource(DaemonSets).create(base)
    await converge(ns, () => ds(ns, "fail")?.status?.numberReady === 1, "a ready pod")
    const first = live(ns)[0] as PodObject
    await h.markFailed(first)
    await converge(
      ns,
      () => live(ns).length === 1 && live(ns)[0]?.metadata?.uid !== first.metadata?.uid,
      "a replacement",
    )
    const warnings = await h.events(ns, "FailedDaemonPod")
    assert.deepEqual(warnings, [
      `Found failed daemon pod ${ns}/${first.metadata?.name} on node f-a, will try to kill it`,
    ])
    await converge(ns, () => live(ns)[0]?.status?.phase === "Running", "the replacement running")
    const second = live(ns)[0] as PodObject
    await h.markFailed(second)
    await h.idle()
    assert.equal(live(ns)[0]?.metadata?.uid, second.metadata?.uid, "kept during the back-off")
    await h.clock.advance(2_000)
    await converge(
      ns,
      () => live(ns).length === 1 && live(ns)[0]?.metadata?.uid !== second.metadata?.uid,
      "a second replacement",
    )
  })

  test("a rolling update with maxUnavailable 1 replaces one node's pod at a time", async () => {
    const ns = await h.namespace()
    for (const n of ["r-a", "r-b", "r-c"]) await h.node(n, { labels: { pool: "r" } })
    const base = daemonSet(ns, "roll")
    base.spec!.template.spec!.nodeSelector = { pool: "r" }
    await h.client.resource(DaemonSets).create(base)
    await converge(ns, () => ds(ns, "roll")?.status?.numberAvailable === 3, "three available")
    await editSpec(ns, "roll", (spec) => (spec.template.spec.containers[0].image = "agent:2"))
    const updated = () => live(ns).filter((p) => p.spec?.containers[0]?.image === "agent:2")
    let maxTerminating = 0
    let maxUnavailable = 0
    for (
      let i = 0;
      i < 60 && !(updated().length === 3 && ds(ns, "roll")?.status?.numberAvailable === 3);
      i++
    ) {
      await h.idle()
      const pods = h.pods(ns)
      maxTerminating = Math.max(maxTerminating, pods.filter((p) => p.metadata?.deletionTimestamp).length)
      const availableNodes = new Set(
        pods
          .filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === "Running")
          .map((p) => targetNodeName(p)),
      )
      maxUnavailable = Math.max(maxUnavailable, 3 - availableNodes.size)
      await runPods(ns)
    }
    assert.equal(updated().length, 3)
    assert.equal(maxTerminating, 1)
    assert.equal(maxUnavailable, 1)
    await h.until(() => ds(ns, "roll")?.status?.updatedNumberScheduled === 3, "three updated")
    const revs = h.informers.get(ControllerRevisions).cache.list(ns)
    assert.deepEqual(revs.map((r) => (r as { revision: number }).revision).sort(), [1, 2])
  })

  test("a rolling update with maxSurge 1 starts each new pod before deleting the old one", async () => {
    const ns = await h.namespace()
    for (const n of ["s-a", "s-b", "s-c"]) await h.node(n, { labels: { pool: "s" } })
    const base = daemonSet(ns, "surge", {
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    })
    base.spec!.template.spec!.nodeSelector = { pool: "s" }
    await h.client.resource(DaemonSets).create(base)
    await converge(ns, () => ds(ns, "surge")?.status?.numberAvailable === 3, "three available")
    await editSpec(ns, "surge", (spec) => (spec.template.spec.containers[0].image = "agent:2"))
    const updated = () => live(ns).filter((p) => p.spec?.containers[0]?.image === "agent:2")
    let maxPods = 0
    let minRunningOld = 3
    for (let i = 0; i < 60 && !(updated().length === 3 && live(ns).length === 3); i++) {
      await h.idle()
      const pods = live(ns)
      maxPods = Math.max(maxPods, pods.length)
      const running = pods.filter((p) => p.status?.phase === "Running")
      minRunningOld = Math.min(minRunningOld, new Set(running.map((p) => targetNodeName(p))).size)
      await runPods(ns)
    }
    assert.equal(updated().length, 3)
    assert.equal(maxPods, 4, "one surge pod at a time")
    assert.equal(minRunningOld, 3, "every node keeps a running pod")
  })
  test("OnDelete keeps old pods until they are deleted; their replacements use the new template", async () => {
    const ns = await h.namespace()
    for (const n of ["o-a", "o-b"]) await h.node(n, { labels: { pool: "o" } })
    const base = daemonSet(ns, "od", { updateStrategy: { type: "OnDelete" } })
    base.spec!.template.spec!.nodeSelector = { pool: "o" }
    await h.client.resource(DaemonSets).create(base)
    await converge(ns, () => ds(ns, "od")?.status?.numberAvailable === 2, "two available")
    await editSpec(ns, "od", (spec) => (spec.template.spec.containers[0].image = "agent:2"))
    await h.until(() => ds(ns, "od")?.status?.observedGeneration === 2, "the new generation observed")
    await h.idle()
    assert.equal(h.pods(ns).filter((p) => p.metadata?.deletionTimestamp).length, 0)
    // Zero, which upstream's DaemonSetStatus leaves out (a plain omitempty int32).
    assert.equal(ds(ns, "od")?.status?.updatedNumberScheduled, undefined)
    const victim = live(ns).find((p) => targetNodeName(p) === "o-a") as PodObject
    await h.client.resource(Pods).delete({ namespace: ns, name: victim.metadata?.name ?? "" })
    await converge(ns, () => ds(ns, "od")?.status?.updatedNumberScheduled === 1, "one updated pod")
    const images = live(ns)
      .map((p) => [targetNodeName(p), p.spec?.containers[0]?.image])
      .sort()
    assert.deepEqual(images, [
      ["o-a", "agent:2"],
      ["o-b", "agent:1"],
    ])
  })
})

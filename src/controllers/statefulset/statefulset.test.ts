import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { StatefulSet } from "kubernetes-types/apps/v1.js"
import {
  type ApiObject,
  ControllerRevisions,
  findResource,
  Pods,
  type ResourceRef,
  StatefulSets,
} from "../../api/index.ts"
import type { Revision } from "../history/index.ts"
import { type Harness, startHarness } from "../set-pods/harness.test.ts"
import type { PodObject } from "../set-pods/index.ts"
import { statefulSetController } from "./index.ts"

type Sts = StatefulSet & ApiObject
const Claims = findResource("", "v1", "persistentvolumeclaims") as ResourceRef

function statefulSet(ns: string, name: string, spec: Partial<NonNullable<StatefulSet["spec"]>> = {}): Sts {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: ns },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "web", image: "nginx:1" }] },
      },
      ...spec,
    },
  }
}

function assertIdentity(p: PodObject, name: string, service: string): void {
  assert.equal(p.spec?.hostname, name)
  assert.equal(p.spec?.subdomain, service)
  assert.equal(p.metadata?.labels?.["statefulset.kubernetes.io/pod-name"], name)
  assert.equal(p.metadata?.labels?.["apps.kubernetes.io/pod-index"], name.slice(name.lastIndexOf("-") + 1))
  assert.equal(p.metadata?.ownerReferences?.[0]?.kind, "StatefulSet")
}

function assertSettled(set: Sts | undefined, last: PodObject): void {
  const status = set?.status
  assert.equal(status?.replicas, 3)
  assert.equal(status?.availableReplicas, 3)
  assert.equal(status?.currentReplicas, 3)
  assert.equal(status?.observedGeneration, 1)
  assert.ok(status?.currentRevision?.startsWith(`${set?.metadata?.name}-`))
  assert.equal(status?.currentRevision, status?.updateRevision)
  assert.equal(last.metadata?.labels?.["controller-revision-hash"], status?.updateRevision)
}

describe("statefulSetController", () => {
  let h: Harness
  before(async () => {
    h = await startHarness(statefulSetController)
  })
  after(() => h.stop())

  const names = (ns: string) => h.pods(ns).map((p) => p.metadata?.name)
  const pod = (ns: string, name: string) => h.pods(ns).find((p) => p.metadata?.name === name) as PodObject
  const sts = (ns: string, name: string) =>
    h.informers.get(StatefulSets).cache.get(`${ns}/${name}`) as Sts | undefined
  /** Plays scheduler and kubelet once: binds and readies new pods, finishes deletions. */
  async function runPods(ns: string): Promise<void> {
    for (const p of h.pods(ns)) {
      if (p.metadata?.deletionTimestamp || p.status?.phase !== "Pending") continue
      if (!p.spec?.nodeName) await h.bind(p, "node-1")
      await h.markRunning(p)
    }
    await h.finishDeletes(ns)
  }
  /** Rewrites the set's spec with `edit`. */
  async function editSpec(ns: string, name: string, edit: (spec: any) => void): Promise<void> {
    const cur = await h.client.resource(StatefulSets).get({ namespace: ns, name })
    edit(cur.spec)
    await h.client.resource(StatefulSets).update(cur)
  }
  /** Runs pods until `cond` holds. */
  async function converge(ns: string, cond: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 50 && !cond(); i++) {
      await runPods(ns)
      await h.idle()
    }
    await h.until(cond, what)
  }

  test("OrderedReady creates one pod at a time, each once its predecessor is Running and Ready", async () => {
    const ns = await h.namespace()
    await h.client.resource(StatefulSets).create(statefulSet(ns, "web"))
    await h.until(() => names(ns).length === 1, "web-0")
    await h.idle()
    assert.deepEqual(names(ns), ["web-0"], "web-1 waits for web-0")
    const p0 = pod(ns, "web-0")
    assertIdentity(p0, "web-0", "web")
    await h.bind(p0, "node-1")
    await h.markRunning(p0, false)
    await h.idle()
    assert.deepEqual(names(ns), ["web-0"], "web-1 waits while web-0 is unready")
    await h.markRunning(pod(ns, "web-0"))
    await h.until(() => names(ns).length === 2, "web-1")
    await h.idle()
    assert.deepEqual(names(ns), ["web-0", "web-1"])
    await converge(ns, () => sts(ns, "web")?.status?.readyReplicas === 3, "three ready replicas")
    assertSettled(sts(ns, "web"), pod(ns, "web-2"))
    const created = await h.events(ns, "SuccessfulCreate")
    assert.ok(created.includes("create Pod web-0 in StatefulSet web successful"), created.join("\n"))
  })

  test("scale down deletes from the highest ordinal, one at a time, and halts while a pod is unready", async () => {
    const ns = await h.namespace()
    await h.client.resource(StatefulSets).create(statefulSet(ns, "db"))
    await converge(ns, () => sts(ns, "db")?.status?.readyReplicas === 3, "three ready replicas")
    // An unready pod halts scale down.
    await h.markRunning(pod(ns, "db-0"), false)
    await h.until(() => sts(ns, "db")?.status?.readyReplicas === 2, "db-0 unready")
    await h.client
      .resource(StatefulSets)
      .patch({ namespace: ns, name: "db" }, { spec: { replicas: 1 } }, { type: "merge" })
    await h.idle()
    assert.equal(h.pods(ns).filter((p) => p.metadata?.deletionTimestamp).length, 0, "halted")
    await h.markRunning(pod(ns, "db-0"))
    await h.until(() => !!pod(ns, "db-2")?.metadata?.deletionTimestamp, "db-2 terminating")
    await h.idle()
    assert.equal(pod(ns, "db-1").metadata?.deletionTimestamp, undefined, "db-1 waits for db-2 to go")
    await h.finishDeletes(ns)
    await h.until(() => !!pod(ns, "db-1")?.metadata?.deletionTimestamp, "db-1 terminating")
    await h.finishDeletes(ns)
    await h.until(() => names(ns).length === 1 && sts(ns, "db")?.status?.replicas === 1, "one replica")
    assert.deepEqual(names(ns), ["db-0"])
    const deleted = await h.events(ns, "SuccessfulDelete")
    assert.ok(deleted.includes("delete Pod db-2 in StatefulSet db successful"), deleted.join("\n"))
  })

  test("Parallel creates every pod at once; spec.ordinals.start shifts the ordinals", async () => {
    const ns = await h.namespace()
    await h.client
      .resource(StatefulSets)
      .create(statefulSet(ns, "par", { podManagementPolicy: "Parallel", ordinals: { start: 5 } }))
    await h.until(() => names(ns).length === 3, "three pods")
    assert.deepEqual(names(ns), ["par-5", "par-6", "par-7"])
  })

  test("a rolling update with a partition replaces pods from the highest ordinal down, each after the last is Ready", async () => {
    const ns = await h.namespace()
    await h.client.resource(StatefulSets).create(statefulSet(ns, "roll"))
    await converge(ns, () => sts(ns, "roll")?.status?.readyReplicas === 3, "three ready replicas")
    const oldRev = sts(ns, "roll")?.status?.currentRevision
    await editSpec(ns, "roll", (spec) => {
      spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 1 } }
      spec.template.spec.containers[0].image = "nginx:2"
    })
    await h.until(() => !!pod(ns, "roll-2")?.metadata?.deletionTimestamp, "roll-2 terminating")
    await h.idle()
    assert.equal(pod(ns, "roll-1").metadata?.deletionTimestamp, undefined, "one pod at a time")
    await h.finishDeletes(ns)
    await h.until(() => pod(ns, "roll-2")?.status?.phase === "Pending", "roll-2 recreated")
    const newRev = sts(ns, "roll")?.status?.updateRevision
    assert.notEqual(newRev, oldRev)
    assert.equal(pod(ns, "roll-2").metadata?.labels?.["controller-revision-hash"], newRev)
    assert.equal(pod(ns, "roll-2").spec?.containers[0]?.image, "nginx:2")
    await h.idle()
    assert.equal(
      pod(ns, "roll-1").metadata?.deletionTimestamp,
      undefined,
      "roll-1 waits for roll-2 to be ready",
    )
    await converge(
      ns,
      () => sts(ns, "roll")?.status?.updatedReplicas === 2 && sts(ns, "roll")?.status?.readyReplicas === 3,
      "two updated",
    )
    await h.idle()
    assert.equal(
      pod(ns, "roll-0").metadata?.labels?.["controller-revision-hash"],
      oldRev,
      "below the partition",
    )
    assert.equal(pod(ns, "roll-0").spec?.containers[0]?.image, "nginx:1")
    const status = sts(ns, "roll")?.status
    assert.equal(status?.currentRevision, oldRev)
    assert.equal(status?.currentReplicas, 1)
    // Lowering the partition to 0 finishes the rollout and makes the new revision current.
    await h.client
      .resource(StatefulSets)
      .patch(
        { namespace: ns, name: "roll" },
        { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } },
        { type: "merge" },
      )
    await converge(ns, () => sts(ns, "roll")?.status?.currentRevision === newRev, "the rollout to finish")
    assert.equal(sts(ns, "roll")?.status?.updatedReplicas, 3)
  })

  test("OnDelete leaves pods alone until they are deleted; a deleted or failed pod is recreated", async () => {
    const ns = await h.namespace()
    await h.client
      .resource(StatefulSets)
      .create(statefulSet(ns, "od", { replicas: 2, updateStrategy: { type: "OnDelete" } }))
    await converge(ns, () => sts(ns, "od")?.status?.readyReplicas === 2, "two ready replicas")
    await editSpec(ns, "od", (spec) => {
      spec.template.spec.containers[0].image = "nginx:2"
    })
    await h.until(() => sts(ns, "od")?.status?.observedGeneration === 2, "the new generation")
    await h.idle()
    assert.equal(h.pods(ns).filter((p) => p.metadata?.deletionTimestamp).length, 0)
    await h.markFailed(pod(ns, "od-1"))
    await h.until(() => pod(ns, "od-1")?.status?.phase === "Pending", "od-1 recreated")
    assert.equal(pod(ns, "od-1").spec?.containers[0]?.image, "nginx:2")
    assert.equal(pod(ns, "od-0").spec?.containers[0]?.image, "nginx:1")
  })

  test("volumeClaimTemplates create a claim per pod before it; whenScaled Delete hands a claim to its scaled-away pod", async () => {
    const ns = await h.namespace()
    await h.client.resource(StatefulSets).create(
      statefulSet(ns, "pg", {
        replicas: 2,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        ],
      }),
    )
    await h.until(() => names(ns).length === 1, "pg-0")
    const claim = await h.client.resource(Claims).get({ namespace: ns, name: "data-pg-0" })
    assert.deepEqual(claim.metadata?.labels, { app: "pg" })
    const volume = pod(ns, "pg-0").spec?.volumes?.find((v) => v.name === "data")
    assert.equal(volume?.persistentVolumeClaim?.claimName, "data-pg-0")
    await converge(ns, () => sts(ns, "pg")?.status?.readyReplicas === 2, "two ready replicas")
    const created = await h.events(ns, "SuccessfulCreate")
    assert.ok(
      created.includes("create Claim data-pg-1 Pod pg-1 in StatefulSet pg success"),
      created.join("\n"),
    )
    const uid = pod(ns, "pg-1").metadata?.uid
    await h.client
      .resource(StatefulSets)
      .patch({ namespace: ns, name: "pg" }, { spec: { replicas: 1 } }, { type: "merge" })
    await h.until(() => !!pod(ns, "pg-1")?.metadata?.deletionTimestamp, "pg-1 terminating")
    const owned = await h.client.resource(Claims).get({ namespace: ns, name: "data-pg-1" })
    assert.deepEqual(
      owned.metadata?.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]),
      [["Pod", uid, true]],
    )
    const kept = await h.client.resource(Claims).get({ namespace: ns, name: "data-pg-0" })
    assert.equal(kept.metadata?.ownerReferences, undefined)
  })
  test("minReadySeconds holds back availableReplicas until the pods have been ready long enough", async () => {
    const ns = await h.namespace()
    await h.client
      .resource(StatefulSets)
      .create(statefulSet(ns, "slow", { replicas: 1, minReadySeconds: 10 }))
    await converge(ns, () => sts(ns, "slow")?.status?.readyReplicas === 1, "one ready replica")
    await h.idle()
    assert.equal(sts(ns, "slow")?.status?.availableReplicas, 0)
    await h.clock.advance(10_001)
    await h.until(() => sts(ns, "slow")?.status?.availableReplicas === 1, "one available replica")
  })

  test("a template seen before is a rollback: its revision is renumbered; history is trimmed to the limit", async () => {
    const ns = await h.namespace()
    await h.client
      .resource(StatefulSets)
      .create(statefulSet(ns, "rb", { replicas: 1, revisionHistoryLimit: 1 }))
    await converge(ns, () => sts(ns, "rb")?.status?.readyReplicas === 1, "one ready replica")
    const first = sts(ns, "rb")?.status?.currentRevision
    const revisions = () => h.informers.get(ControllerRevisions).cache.list(ns) as Revision[]
    const image = async (tag: string, done: (rev: string | undefined) => boolean) => {
      await editSpec(ns, "rb", (spec) => (spec.template.spec.containers[0].image = `nginx:${tag}`))
      await converge(
        ns,
        () => done(sts(ns, "rb")?.status?.currentRevision) && pod(ns, "rb-0")?.status?.phase === "Running",
        `the rollout to nginx:${tag}`,
      )
    }
    await image("2", (rev) => !!rev && rev !== first)
    await image("1", (rev) => rev === first)
    await h.idle()
    const back = revisions().find((r) => r.metadata?.name === first)
    assert.equal(back?.revision, 3)
    assert.equal(pod(ns, "rb-0").spec?.containers[0]?.image, "nginx:1")
    await image("3", (rev) => !!rev && rev !== first)
    await h.until(() => revisions().length === 2, "the history trimmed to one old revision")
    // A deleted pod comes back at the current revision.
    const uid = pod(ns, "rb-0").metadata?.uid
    await h.client.resource(Pods).delete({ namespace: ns, name: "rb-0" })
    const recreated = () => pod(ns, "rb-0")
    await converge(
      ns,
      () => recreated()?.metadata?.uid !== uid && recreated()?.status?.phase === "Running",
      "rb-0 back",
    )
    assert.equal(pod(ns, "rb-0").spec?.containers[0]?.image, "nginx:3")
  })

  test("whenDeleted Delete makes the set the owner of its claims", async () => {
    const ns = await h.namespace()
    const created = await h.client.resource(StatefulSets).create(
      statefulSet(ns, "kv", {
        replicas: 1,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        ],
      }),
    )
    await h.until(() => names(ns).length === 1, "kv-0")
    await h.idle()
    const claim = await h.client.resource(Claims).get({ namespace: ns, name: "data-kv-0" })
    assert.deepEqual(
      claim.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid]),
      [["StatefulSet", "kv", created.metadata?.uid]],
    )
  })
})

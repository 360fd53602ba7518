import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Deployment, DeploymentStrategy, ReplicaSet } from "kubernetes-types/apps/v1.js"
import { type ApiObject, Deployments, Events, Pods, ReplicaSets } from "../../api/index.ts"
import { startHarness, type Harness } from "../_harness.case.ts"
import { newReplicaSetController } from "../replicaset/index.ts"
import { newDeploymentController } from "./deployment.ts"

type D = Deployment & ApiObject
type RS = ReplicaSet & ApiObject

function deployment(
  name: string,
  replicas: number,
  o: { strategy?: DeploymentStrategy; image?: string; progressDeadlineSeconds?: number } = {},
): D {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "test" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image: o.image ?? "nginx:1" }] },
      },
      ...(o.strategy ? { strategy: o.strategy } : {}),
      ...(o.progressDeadlineSeconds ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
    },
  }
}

/** Checks the first ReplicaSet of Deployment "web" (3 replicas) and returns its hash. */
function assertHashedReplicaSet(rs: RS | undefined): string {
  assert.ok(rs?.metadata && rs.spec)
  const { metadata: meta, spec } = rs
  const hash = meta.labels?.["pod-template-hash"] ?? ""
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/)
  assert.equal(meta.name, `web-${hash}`)
  assert.deepEqual(spec.selector.matchLabels, { app: "web", "pod-template-hash": hash })
  assert.equal(spec.template?.metadata?.labels?.["pod-template-hash"], hash)
  assert.equal(meta.ownerReferences?.[0]?.kind, "Deployment")
  const a = meta.annotations ?? {}
  assert.deepEqual(
    [
      a["deployment.kubernetes.io/revision"],
      a["deployment.kubernetes.io/desired-replicas"],
      a["deployment.kubernetes.io/max-replicas"],
    ],
    ["1", "3", "4"],
  )
  return hash
}

describe("Deployment controller", () => {
  let h: Harness
  before(async () => {
    h = await startHarness([newDeploymentController(), newReplicaSetController()])
  })
  after(() => h.stop())

  const deployments = () => h.client.resource(Deployments)
  const get = (name: string) => deployments().get({ namespace: h.ns, name })
  const sets = async (app: string): Promise<RS[]> =>
    (await h.client.resource(ReplicaSets).list({ namespace: h.ns })).items
      .filter((rs) => rs.metadata?.labels?.app === app)
      .sort(
        (a, b) =>
          Number(a.metadata?.annotations?.["deployment.kubernetes.io/revision"]) -
          Number(b.metadata?.annotations?.["deployment.kubernetes.io/revision"]),
      )
  const livePods = async (app: string) =>
    (await h.pods()).filter((p) => p.metadata?.labels?.app === app && !p.metadata?.deletionTimestamp)
  const setImage = (name: string, image: string) =>
    deployments().patch(
      { namespace: h.ns, name },
      { spec: { template: { spec: { containers: [{ name: "c", image }] } } } },
      { type: "merge" },
    )
  const rolledOut = (name: string, replicas: number) => async () => {
    const d = await get(name)
    const s = d.status
    return (
      (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
      s?.updatedReplicas === replicas &&
      s.replicas === replicas &&
      s.availableReplicas === replicas
    )
  }

  test("reconcile() creates a hashed ReplicaSet at revision 1 and reports the rollout complete", async () => {
    h.autoReady = true
    await deployments().create(deployment("web", 3))
    await h.until(rolledOut("web", 3), "web rolled out")
    const hash = assertHashedReplicaSet((await sets("web"))[0])
    await h.until(async () => {
      const d = await get("web")
      const progressing = d.status?.conditions?.find((c) => c.type === "Progressing")
      const available = d.status?.conditions?.find((c) => c.type === "Available")
      return (
        d.metadata?.annotations?.["deployment.kubernetes.io/revision"] === "1" &&
        progressing?.reason === "NewReplicaSetAvailable" &&
        progressing.message === `ReplicaSet "web-${hash}" has successfully progressed.` &&
        available?.status === "True" &&
        available.reason === "MinimumReplicasAvailable"
      )
    }, "the Progressing and Available conditions")
    const events = (await h.client.resource(Events).list({ namespace: h.ns })).items
    assert.ok(
      events.some(
        (e) =>
          e.reason === "ScalingReplicaSet" && e.message === `Scaled up replica set web-${hash} from 0 to 3`,
      ),
    )
  })

  const bounds = [
    { maxSurge: 1, maxUnavailable: 1, most: 5, fewestReady: 3 },
    { maxSurge: 0, maxUnavailable: 1, most: 4, fewestReady: 3 },
    { maxSurge: "50%", maxUnavailable: "0%", most: 6, fewestReady: 4 },
  ]
  for (const [i, b] of bounds.entries()) {
    test(`a RollingUpdate with maxSurge ${b.maxSurge} and maxUnavailable ${b.maxUnavailable} of 4 stays within bounds`, async () => {
      h.autoReady = true
      const name = `roll-${i}`
      const strategy = {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: b.maxSurge, maxUnavailable: b.maxUnavailable },
      }
      await deployments().create(deployment(name, 4, { strategy }))
      await h.until(rolledOut(name, 4), `${name} rolled out`)
      // Watch every pod change from here on; count live and ready pods at each instant.
      const live = new Map<string, boolean>()
      let maxLive = 0
      let minReady = Infinity
      const ac = new AbortController()
      for (const p of await livePods(name)) live.set(p.metadata?.name ?? "", true)
      const rv = (await h.client.resource(Pods).list({ namespace: h.ns })).metadata.resourceVersion
      const watching = (async () => {
        try {
          const stream = h.client
            .resource(Pods)
            .watch({ namespace: h.ns, resourceVersion: rv ?? "0" }, ac.signal)
          for await (const e of stream) {
            const p = e.object
            if (p.metadata?.labels?.app !== name) continue
            const pod = p.metadata?.name ?? ""
            if (e.type === "DELETED" || p.metadata?.deletionTimestamp) live.delete(pod)
            else live.set(pod, !!p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
            maxLive = Math.max(maxLive, live.size)
            minReady = Math.min(minReady, [...live.values()].filter(Boolean).length)
          }
        } catch {
          // aborted
        }
      })()
      await setImage(name, "nginx:2")
      await h.until(rolledOut(name, 4), `${name} rolled out again`)
      await h.until(async () => (await livePods(name)).length === 4, "old pods gone")
      ac.abort()
      await watching
      assert.ok(maxLive <= b.most, `at most ${b.most} pods at once, saw ${maxLive}`)
      assert.ok(minReady >= b.fewestReady, `at least ${b.fewestReady} ready at once, saw ${minReady}`)
      const [old, cur] = await sets(name)
      assert.equal(old?.spec?.replicas, 0)
      assert.equal(cur?.spec?.replicas, 4)
      assert.equal(cur?.metadata?.annotations?.["deployment.kubernetes.io/revision"], "2")
      assert.ok((await livePods(name)).every((p) => p.spec?.containers?.[0]?.image === "nginx:2"))
    })
  }

  test("a Recreate rollout starts no new pod while an old one exists", async () => {
    h.autoReady = true
    await deployments().create(deployment("recreate", 2, { strategy: { type: "Recreate" } }))
    await h.until(rolledOut("recreate", 2), "recreate rolled out")
    const oldNames = new Set((await livePods("recreate")).map((p) => p.metadata?.name))
    const existing = new Set(oldNames)
    let overlap = false
    const ac = new AbortController()
    const rv = (await h.client.resource(Pods).list({ namespace: h.ns })).metadata.resourceVersion
    const watching = (async () => {
      try {
        for await (const e of h.client
          .resource(Pods)
          .watch({ namespace: h.ns, resourceVersion: rv ?? "0" }, ac.signal)) {
          const name = e.object.metadata?.name ?? ""
          if (e.object.metadata?.labels?.app !== "recreate") continue
          if (e.type === "DELETED") existing.delete(name)
          else if (e.type === "ADDED" && [...existing].some((n) => oldNames.has(n))) overlap = true
          else if (e.type === "ADDED") existing.add(name)
        }
      } catch {
        // aborted
      }
    })()
    await setImage("recreate", "nginx:2")
    await h.until(rolledOut("recreate", 2), "recreate rolled out again")
    await h.until(
      async () => (await livePods("recreate")).every((p) => !oldNames.has(p.metadata?.name)),
      "old pods gone",
    )
    ac.abort()
    await watching
    assert.equal(overlap, false)
  })

  test("rollout undo (kubectl's client-side patch) reuses the old ReplicaSet at a new revision", async () => {
    h.autoReady = true
    await deployments().create(deployment("undo", 2))
    await h.until(rolledOut("undo", 2), "undo rolled out")
    await setImage("undo", "nginx:2")
    await h.until(rolledOut("undo", 2), "revision 2 rolled out")
    // WHEN kubectl rollout undo patches the template of revision 1 back in
    const [first] = await sets("undo")
    const template = structuredClone(first?.spec?.template ?? {})
    delete template.metadata?.labels?.["pod-template-hash"]
    const d = await get("undo")
    await deployments().patch(
      { namespace: h.ns, name: "undo" },
      [
        { op: "replace", path: "/spec/template", value: template },
        { op: "replace", path: "/metadata/annotations", value: { ...d.metadata?.annotations } },
      ],
      { type: "json" },
    )
    // THEN the first ReplicaSet is scaled back up as revision 3
    await h.until(rolledOut("undo", 2), "revision 3 rolled out")
    await h.until(async () => {
      const rs = (await sets("undo")).find((x) => x.metadata?.uid === first?.metadata?.uid)
      return (
        rs?.spec?.replicas === 2 && rs.metadata?.annotations?.["deployment.kubernetes.io/revision"] === "3"
      )
    }, "the first ReplicaSet at revision 3")
    const rs = (await sets("undo")).find((x) => x.metadata?.uid === first?.metadata?.uid)
    assert.equal(rs?.metadata?.annotations?.["deployment.kubernetes.io/revision-history"], "1")
    assert.equal((await sets("undo")).length, 2)
    await h.until(
      async () => (await get("undo")).metadata?.annotations?.["deployment.kubernetes.io/revision"] === "3",
      "the Deployment at revision 3",
    )
  })

  test("a paused Deployment scales but does not roll out until resumed", async () => {
    h.autoReady = true
    await deployments().create(deployment("paused", 2))
    await h.until(rolledOut("paused", 2), "paused rolled out")
    await deployments().patch(
      { namespace: h.ns, name: "paused" },
      { spec: { paused: true } },
      { type: "merge" },
    )
    await h.until(async () => {
      const c = (await get("paused")).status?.conditions?.find((x) => x.type === "Progressing")
      return c?.reason === "DeploymentPaused" && c.status === "Unknown"
    }, "the DeploymentPaused condition")
    await setImage("paused", "nginx:2")
    await deployments().patch(
      { namespace: h.ns, name: "paused" },
      { spec: { replicas: 3 } },
      { type: "merge" },
    )
    await h.until(async () => (await livePods("paused")).length === 3, "3 pods")
    assert.equal((await sets("paused")).length, 1, "no new ReplicaSet while paused")
    await deployments().patch(
      { namespace: h.ns, name: "paused" },
      { spec: { paused: false } },
      { type: "merge" },
    )
    await h.until(rolledOut("paused", 3), "rolled out after resume")
    assert.equal((await sets("paused")).length, 2)
  })

  test("a rollout without progress exceeds its deadline", async () => {
    h.autoReady = false
    await deployments().create(deployment("stuck", 1, { progressDeadlineSeconds: 10 }))
    await h.until(async () => (await livePods("stuck")).length === 1, "1 pod")
    // WHEN time passes without the pod turning ready
    let waited = 0
    await h.until(async () => {
      await h.clock.advance(1_000)
      waited += 1_000
      const c = (await get("stuck")).status?.conditions?.find((x) => x.type === "Progressing")
      return c?.reason === "ProgressDeadlineExceeded"
    }, "ProgressDeadlineExceeded")
    // THEN the deadline is exceeded, not before 10 s
    assert.ok(waited > 10_000, `exceeded after ${waited} ms`)
    const c = (await get("stuck")).status?.conditions?.find((x) => x.type === "Progressing")
    assert.equal(c?.status, "False")
    assert.match(c?.message ?? "", /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/)
    const available = (await get("stuck")).status?.conditions?.find((x) => x.type === "Available")
    assert.equal(available?.reason, "MinimumReplicasUnavailable")
  })

  test("old ReplicaSets beyond revisionHistoryLimit are deleted, lowest revision first", async () => {
    h.autoReady = true
    const d = deployment("history", 1)
    ;(d.spec as { revisionHistoryLimit?: number }).revisionHistoryLimit = 1
    await deployments().create(d)
    await h.until(rolledOut("history", 1), "revision 1")
    for (const image of ["nginx:2", "nginx:3"]) {
      await setImage("history", image)
      await h.until(rolledOut("history", 1), `${image} rolled out`)
    }
    await h.until(async () => (await sets("history")).length === 2, "2 ReplicaSets left")
    const revisions = (await sets("history")).map(
      (rs) => rs.metadata?.annotations?.["deployment.kubernetes.io/revision"],
    )
    assert.deepEqual(revisions, ["2", "3"])
  })

  test("a Deployment scales to zero and back without a new revision", async () => {
    h.autoReady = true
    await deployments().create(deployment("zero", 2))
    await h.until(rolledOut("zero", 2), "zero rolled out")
    await deployments().patch({ namespace: h.ns, name: "zero" }, { spec: { replicas: 0 } }, { type: "merge" })
    await h.until(async () => (await livePods("zero")).length === 0, "no pods")
    await deployments().patch({ namespace: h.ns, name: "zero" }, { spec: { replicas: 3 } }, { type: "merge" })
    await h.until(rolledOut("zero", 3), "3 pods again")
    const all = await sets("zero")
    assert.equal(all.length, 1)
    assert.equal(all[0]?.metadata?.annotations?.["deployment.kubernetes.io/desired-replicas"], "3")
    const events = (await h.client.resource(Events).list({ namespace: h.ns })).items
    const name = all[0]?.metadata?.name ?? ""
    assert.ok(events.some((e) => e.message === `Scaled down replica set ${name} from 2 to 0`))
    assert.ok(events.some((e) => e.message === `Scaled up replica set ${name} from 0 to 3`))
  })

  test("a Deployment adopts a matching orphan ReplicaSet with its template", async () => {
    h.autoReady = true
    const d = deployment("adopt", 2)
    const template = structuredClone(d.spec?.template ?? {})
    ;(template.metadata as { labels: Record<string, string> }).labels["pod-template-hash"] = "manual"
    const orphan: RS = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "adopt-manual", namespace: h.ns, labels: { app: "adopt" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "adopt", "pod-template-hash": "manual" } },
        template,
      },
    }
    const rs = await h.client.resource(ReplicaSets).create(orphan)
    await deployments().create(d)
    await h.until(rolledOut("adopt", 2), "adopt rolled out")
    const all = await sets("adopt")
    assert.deepEqual(
      all.map((x) => x.metadata?.uid),
      [rs.metadata?.uid],
    )
    assert.equal(all[0]?.metadata?.ownerReferences?.[0]?.name, "adopt")
  })

  test("minReadySeconds holds pods back from available until they were ready that long", async () => {
    h.autoReady = true
    const d = deployment("slow", 2)
    ;(d.spec as { minReadySeconds?: number }).minReadySeconds = 20
    await deployments().create(d)
    await h.until(async () => (await get("slow")).status?.readyReplicas === 2, "2 ready")
    assert.equal((await get("slow")).status?.availableReplicas ?? 0, 0)
    assert.equal((await sets("slow"))[0]?.spec?.minReadySeconds, 20)
    await h.clock.advance(21_000)
    await h.until(rolledOut("slow", 2), "2 available")
  })

  test("scaling mid-rollout scales the ReplicaSets in proportion", async () => {
    // GIVEN 10 ready pods, then a rollout stuck with new pods never ready
    h.autoReady = true
    const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } }
    await deployments().create(deployment("prop", 10, { strategy }))
    await h.until(rolledOut("prop", 10), "prop rolled out")
    h.autoReady = false
    await setImage("prop", "nginx:2")
    await h.until(async () => {
      const [old, cur] = await sets("prop")
      return old?.spec?.replicas === 8 && cur?.spec?.replicas === 5
    }, "old 8, new 5")
    // WHEN scaled to 15 (max 18)
    await deployments().patch(
      { namespace: h.ns, name: "prop" },
      { spec: { replicas: 15 } },
      { type: "merge" },
    )
    // THEN 5 more are shared 3 / 2
    await h.until(async () => {
      const [old, cur] = await sets("prop")
      return old?.spec?.replicas === 11 && cur?.spec?.replicas === 7
    }, "old 11, new 7")
  })
})

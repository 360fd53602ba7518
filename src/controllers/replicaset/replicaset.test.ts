import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { ReplicaSet } from "kubernetes-types/apps/v1.js"
import type { ReplicationController } from "kubernetes-types/core/v1.js"
import {
  ApiError,
  type ApiObject,
  Events,
  Pods,
  ReplicaSets,
  ReplicationControllers,
} from "../../api/index.ts"
import type { Client, ResourceClient } from "../../client/index.ts"
import { startHarness, type Harness } from "../_harness.case.ts"
import { newReplicaSetController } from "./replicaset.ts"
import { newReplicationControllerController } from "./replication-controller.ts"

const template = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "nginx" }] },
}

function replicaSet(name: string, replicas: number, minReadySeconds = 0): ReplicaSet & ApiObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "test" },
    spec: { replicas, minReadySeconds, selector: { matchLabels: { app: "web" } }, template },
  }
}

describe("ReplicaSet controller", () => {
  let h: Harness
  before(async () => {
    h = await startHarness([newReplicaSetController()])
  })
  after(() => h.stop())

  const rsClient = () => h.client.resource(ReplicaSets)
  async function clean() {
    for (const rs of (await rsClient().list({ namespace: h.ns })).items) {
      await rsClient().delete({ namespace: h.ns, name: rs.metadata?.name ?? "" })
    }
    for (const p of await h.pods()) {
      await h.client.resource(Pods).delete({ namespace: h.ns, name: p.metadata?.name ?? "" })
    }
    await h.until(async () => (await h.pods()).length === 0, "a clean namespace")
  }
  async function scale(name: string, replicas: number) {
    await rsClient().patch({ namespace: h.ns, name }, { spec: { replicas } }, { type: "merge" })
  }
  const podCount = (n: number) => async () => (await h.pods()).length === n

  test("reconcile() creates spec.replicas pods from the template, controlled by the ReplicaSet", async () => {
    // GIVEN a ReplicaSet that wants 3 pods
    const rs = await rsClient().create(replicaSet("web", 3))
    // THEN
    await h.until(podCount(3), "3 pods")
    for (const p of await h.pods()) {
      assert.match(p.metadata?.name ?? "", /^web-[a-z0-9]{5}$/)
      assert.equal(p.metadata?.labels?.app, "web")
      assert.deepEqual(p.metadata?.ownerReferences, [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web",
          uid: rs.metadata?.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ])
    }
    await h.until(async () => {
      const cur = await rsClient().get({ namespace: h.ns, name: "web" })
      return (
        cur.status?.replicas === 3 &&
        cur.status.fullyLabeledReplicas === 3 &&
        cur.status.observedGeneration === 1
      )
    }, "status replicas 3")
    await h.until(async () => {
      const events = (await h.client.resource(Events).list({ namespace: h.ns })).items
      return (
        events.filter((e) => e.reason === "SuccessfulCreate" && /^Created pod: web-/.test(e.message ?? ""))
          .length === 3
      )
    }, "3 SuccessfulCreate events")
    await clean()
  })

  test("reconcile() never creates more pods than asked while its cache catches up", async () => {
    // GIVEN a watch that records the highest pod count seen
    const ac = new AbortController()
    let count = 0
    let max = 0
    const watching = (async () => {
      try {
        for await (const e of h.client.resource(Pods).watch({ namespace: h.ns }, ac.signal)) {
          if (e.type === "ADDED") count++
          if (e.type === "DELETED") count--
          max = Math.max(max, count)
        }
      } catch {
        // aborted
      }
    })()
    // WHEN a ReplicaSet asks for 10
    await rsClient().create(replicaSet("burst", 10))
    await h.until(podCount(10), "10 pods")
    // THEN it never overshot
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r))
    assert.equal(max, 10)
    ac.abort()
    await watching
    await clean()
  })

  test("reconcile() deletes not-ready pods first, then the most recently ready", async () => {
    // GIVEN 4 pods: two ready long ago (a, then b later), two not ready
    await rsClient().create(replicaSet("order", 4))
    await h.until(podCount(4), "4 pods")
    const pods = await h.pods()
    const [a, b] = pods
    await h.markReady([a!])
    await h.clock.advance(10_000)
    await h.markReady([b!])
    // WHEN scaled to 1
    await scale("order", 1)
    // THEN only the longest-ready pod is left
    await h.until(
      async () => (await h.pods()).filter((p) => !p.metadata?.deletionTimestamp).length === 1,
      "1 pod",
    )
    const left = (await h.pods()).filter((p) => !p.metadata?.deletionTimestamp)
    assert.equal(left[0]?.metadata?.name, a?.metadata?.name)
    await clean()
  })

  test("reconcile() adopts matching orphans and releases pods whose labels stop matching", async () => {
    // GIVEN an orphan pod matching the selector
    await h.client.resource(Pods).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "orphan", namespace: h.ns, labels: { app: "web" } },
      spec: { containers: [{ name: "c", image: "nginx" }] },
    })
    // WHEN a ReplicaSet for 2 appears
    const rs = await rsClient().create(replicaSet("adopter", 2))
    // THEN it adopts the orphan and creates one more
    await h.until(podCount(2), "2 pods")
    await h.until(async () => {
      const p = await h.client.resource(Pods).get({ namespace: h.ns, name: "orphan" })
      return p.metadata?.ownerReferences?.[0]?.uid === rs.metadata?.uid
    }, "the orphan adopted")
    // WHEN the orphan's labels change
    await h.client
      .resource(Pods)
      .patch(
        { namespace: h.ns, name: "orphan" },
        { metadata: { labels: { app: "other" } } },
        { type: "merge" },
      )
    // THEN it is released and replaced
    await h.until(async () => {
      const p = await h.client.resource(Pods).get({ namespace: h.ns, name: "orphan" })
      return !p.metadata?.ownerReferences?.length
    }, "the pod released")
    await h.until(
      async () => (await h.pods()).filter((p) => p.metadata?.labels?.app === "web").length === 2,
      "a replacement",
    )
    await clean()
  })

  test("reconcile() counts ready and available pods (minReadySeconds)", async () => {
    await rsClient().create(replicaSet("avail", 2, 30))
    await h.until(podCount(2), "2 pods")
    await h.markReady(await h.pods())
    const status = async () => (await rsClient().get({ namespace: h.ns, name: "avail" })).status
    await h.until(async () => (await status())?.readyReplicas === 2, "2 ready")
    assert.equal((await status())?.availableReplicas ?? 0, 0)
    await h.clock.advance(31_000)
    await h.until(async () => (await status())?.availableReplicas === 2, "2 available")
    await clean()
  })

  test("reconcile() ignores pods being deleted and replaces them", async () => {
    await rsClient().create(replicaSet("replace", 2))
    await h.until(podCount(2), "2 pods")
    const [victim] = await h.pods()
    await h.client.resource(Pods).delete({ namespace: h.ns, name: victim?.metadata?.name ?? "" })
    await h.until(async () => {
      const pods = await h.pods()
      return pods.length === 2 && !pods.some((p) => p.metadata?.name === victim?.metadata?.name)
    }, "a replacement")
    await clean()
  })
})

describe("ReplicationController controller", () => {
  let h: Harness
  before(async () => {
    h = await startHarness([newReplicationControllerController()])
  })
  after(() => h.stop())

  test("reconcile() keeps spec.replicas pods and reports status", async () => {
    const rc: ReplicationController & ApiObject = {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "legacy", namespace: h.ns },
      spec: { replicas: 2, selector: { app: "web" }, template },
    }
    await h.client.resource(ReplicationControllers).create(rc)
    await h.until(async () => (await h.pods()).length === 2, "2 pods")
    const pod = (await h.pods())[0]
    assert.equal(pod?.metadata?.ownerReferences?.[0]?.kind, "ReplicationController")
    assert.equal(pod?.metadata?.ownerReferences?.[0]?.apiVersion, "v1")
    await h.client
      .resource(ReplicationControllers)
      .patch({ namespace: h.ns, name: "legacy" }, { spec: { replicas: 1 } }, { type: "merge" })
    await h.until(async () => (await h.pods()).length === 1, "1 pod")
    await h.until(async () => {
      const cur = await h.client.resource(ReplicationControllers).get({ namespace: h.ns, name: "legacy" })
      return cur.status?.replicas === 1 && cur.status.observedGeneration === 2
    }, "status replicas 1")
  })
})

describe("ReplicaSet controller when pods cannot be created", () => {
  let h: Harness
  let failing = true
  let attempts = 0
  /** The controller's client, refusing pod creates while `failing`. */
  function refusing(c: Client): Client {
    return {
      request: (o) => c.request(o),
      resource(ref) {
        const rc = c.resource(ref)
        if (ref !== Pods) return rc
        return new Proxy(rc, {
          get(target, prop) {
            if (prop === "create") {
              return async (obj: never, o?: never) => {
                attempts++
                if (failing)
                  throw new ApiError("Forbidden", 'pods "web-x" is forbidden: exceeded quota: compute')
                return (target as ResourceClient<ApiObject>).create(obj, o)
              }
            }
            const v = Reflect.get(target, prop) as unknown
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v
          },
        }) as typeof rc
      },
    }
  }
  before(async () => {
    h = await startHarness([newReplicaSetController()], { controllerClient: refusing })
  })
  after(() => h.stop())

  test("reconcile() stops after the first failed batch and reports ReplicaFailure until creates succeed", async () => {
    await h.client.resource(ReplicaSets).create(replicaSet("quota", 3))
    const failure = async () =>
      (await h.client.resource(ReplicaSets).get({ namespace: h.ns, name: "quota" })).status?.conditions?.find(
        (c) => c.type === "ReplicaFailure",
      )
    await h.until(async () => (await failure())?.reason === "FailedCreate", "the ReplicaFailure condition")
    // Slow start: one create per pass, not three (the status write brings a second pass).
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r))
    assert.ok(attempts <= 2, `slow start: ${attempts} creates`)
    assert.match((await failure())?.message ?? "", /exceeded quota/)
    const events = (await h.client.resource(Events).list({ namespace: h.ns })).items
    assert.ok(
      events.some(
        (e) =>
          e.reason === "FailedCreate" && e.type === "Warning" && /^Error creating: /.test(e.message ?? ""),
      ),
    )
    // WHEN creates work again and the retry comes
    failing = false
    await h.until(async () => {
      await h.clock.advance(1_000)
      return (await h.pods()).length === 3
    }, "3 pods")
    await h.until(async () => (await failure()) === undefined, "the condition cleared")
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, Events, PodDisruptionBudgets, Pods, ReplicaSets } from "../../api/index.ts"
import { runController, SharedInformers } from "../../client/index.ts"
import { type ClientEnv, startClientEnv } from "../../testing/index.ts"
import { realClock, silentLogger } from "../../util/index.ts"
import { disruptionController, goLabelSelector } from "./disruption.ts"

let env: ClientEnv
const stop = new AbortController()
let running: Promise<unknown>

before(async () => {
  env = await startClientEnv()
  const informers = new SharedInformers(env.inProcess, { log: silentLogger() })
  const deps = { client: env.inProcess, informers, clock: realClock, log: silentLogger() }
  running = Promise.all([
    informers.run(stop.signal),
    runController(disruptionController(), deps, stop.signal),
  ])
})
after(async () => {
  stop.abort()
  await running
  await env.stop()
})

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await fn()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function readyPod(name: string, labels: Record<string, string>, owner?: ApiObject): Promise<void> {
  await env.inProcess.resource(Pods).create({
    metadata: {
      name,
      namespace: "default",
      labels,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "ReplicaSet",
                name: owner.metadata?.name ?? "",
                uid: owner.metadata?.uid ?? "",
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "pause" }] },
  } as Pod & ApiObject)
  await env.inProcess
    .resource(Pods)
    .patch(
      { namespace: "default", name },
      { status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } },
      { type: "merge", subresource: "status" },
    )
}

const statusOf = (name: string) =>
  env.inProcess
    .resource(PodDisruptionBudgets)
    .get({ namespace: "default", name })
    .then((p) => p.status)

describe("disruption controller", () => {
  test("minAvailable: allowed disruptions follow healthy pods, and evictions spend them", async () => {
    for (const n of ["a1", "a2", "a3"]) await readyPod(n, { app: "a" })
    await env.inProcess.resource(PodDisruptionBudgets).create({
      metadata: { name: "a", namespace: "default" },
      spec: { minAvailable: 2, selector: { matchLabels: { app: "a" } } },
    } as never)
    const st = await until("a status", async () => {
      const s = await statusOf("a")
      return s?.currentHealthy === 3 ? s : undefined
    })
    assert.deepEqual([st.desiredHealthy, st.expectedPods, st.disruptionsAllowed], [2, 3, 1])
    assert.equal(st.conditions?.[0]?.reason, "SufficientPods")
    const evict = (pod: string) =>
      env.inProcess.request({
        method: "POST",
        path: `/api/v1/namespaces/default/pods/${pod}/eviction`,
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace: "default" } },
      })
    await evict("a1")
    await assert.rejects(evict("a2"), { reason: "TooManyRequests" })
    const after = await until("a recomputed", async () => {
      const s = await statusOf("a")
      return s?.currentHealthy === 2 ? s : undefined
    })
    assert.equal(after.disruptionsAllowed, 0)
    assert.equal(after.conditions?.[0]?.reason, "InsufficientPods")
  })

  test("maxUnavailable as a percentage counts against the controller's scale", async () => {
    const rs = await env.inProcess.resource(ReplicaSets).create({
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: "b" } },
        template: {
          metadata: { labels: { app: "b" } },
          spec: { containers: [{ name: "c", image: "pause" }] },
        },
      },
    } as never)
    for (const n of ["b1", "b2", "b3"]) await readyPod(n, { app: "b" }, rs)
    await env.inProcess.resource(PodDisruptionBudgets).create({
      metadata: { name: "b", namespace: "default" },
      spec: { maxUnavailable: "50%", selector: { matchLabels: { app: "b" } } },
    } as never)
    const st = await until("b status", async () => {
      const s = await statusOf("b")
      return s?.expectedPods === 4 ? s : undefined
    })
    assert.deepEqual([st.currentHealthy, st.desiredHealthy, st.disruptionsAllowed], [3, 2, 1])
  })

  const eventsAbout = async (name: string) =>
    (await env.inProcess.resource(Events).list({ namespace: "default" })).items
      .filter((e) => e.involvedObject.name === name)
      .map((e) => `${e.type} ${e.reason}: ${e.message}`)

  test("pods without a controller are left out of the scale and told of, not a failure", async () => {
    const rs = await env.inProcess.resource(ReplicaSets).create({
      metadata: { name: "mixed", namespace: "default" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "m" } },
        template: {
          metadata: { labels: { app: "m" } },
          spec: { containers: [{ name: "c", image: "pause" }] },
        },
      },
    } as never)
    await readyPod("m1", { app: "m" }, rs)
    await readyPod("bare", { app: "m" })
    await env.inProcess.resource(PodDisruptionBudgets).create({
      metadata: { name: "m", namespace: "default" },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: "m" } } },
    } as never)
    const st = await until("m status", async () => {
      const s = await statusOf("m")
      return s?.currentHealthy === 2 ? s : undefined
    })
    // Expected: the ReplicaSet's 1; desired 0; both ready pods healthy.
    assert.deepEqual([st.expectedPods, st.desiredHealthy, st.disruptionsAllowed], [1, 0, 2])
    assert.equal(st.conditions?.[0]?.reason, "SufficientPods")
    const told = await until("the UnmanagedPods event", async () => {
      const e = await eventsAbout("m")
      return e.length ? e : undefined
    })
    assert.deepEqual(told, [
      "Warning UnmanagedPods: Pods selected by this PodDisruptionBudget (selector: " +
        "&LabelSelector{MatchLabels:map[string]string{app: m,},MatchExpressions:[]LabelSelectorRequirement{},}) " +
        "were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which " +
        'may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of ' +
        "the PDB to an integer value.",
    ])
  })

  test("a budget matching no pods is told so and allows nothing", async () => {
    await env.inProcess.resource(PodDisruptionBudgets).create({
      metadata: { name: "empty", namespace: "default" },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: "none" } } },
    } as never)
    const st = await until("empty status", async () => {
      const s = await statusOf("empty")
      return s?.conditions?.length ? s : undefined
    })
    assert.deepEqual([st.expectedPods, st.disruptionsAllowed], [0, 0])
    await until("the NoPods event", async () =>
      (await eventsAbout("empty")).includes("Normal NoPods: No matching pods found") ? true : undefined,
    )
  })

  test("a pod whose controller is gone fails the count: no disruption, counts kept, told", async () => {
    await readyPod("lost1", { app: "lost" }, {
      metadata: { name: "gone-rs", uid: "00000000-0000-0000-0000-000000000001" },
    } as ApiObject)
    await env.inProcess.resource(PodDisruptionBudgets).create({
      metadata: { name: "lost", namespace: "default" },
      spec: { maxUnavailable: "50%", selector: { matchLabels: { app: "lost" } } },
    } as never)
    const st = await until("lost status", async () => {
      const s = await statusOf("lost")
      return s?.conditions?.length ? s : undefined
    })
    assert.equal(st.disruptionsAllowed, 0)
    assert.deepEqual(
      [st.conditions?.[0]?.reason, st.conditions?.[0]?.message],
      ["SyncFailed", 'found no controllers for pod "lost1"'],
    )
    await until("the CalculateExpectedPodCountFailed event", async () =>
      (await eventsAbout("lost")).includes(
        'Warning CalculateExpectedPodCountFailed: Failed to calculate the number of expected pods: found no controllers for pod "lost1"',
      )
        ? true
        : undefined,
    )
  })
})

test("goLabelSelector prints a selector as Go's %v prints upstream's LabelSelector", () => {
  assert.equal(goLabelSelector(undefined), "nil")
  assert.equal(
    goLabelSelector({
      matchLabels: { b: "2", a: "1" },
      matchExpressions: [{ key: "tier", operator: "In", values: ["x", "y"] }],
    }),
    "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{" +
      "LabelSelectorRequirement{Key:tier,Operator:In,Values:[x y],},},}",
  )
})

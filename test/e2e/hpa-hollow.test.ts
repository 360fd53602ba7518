/**
 * The HPA at scale, in process: hollow nodes report synthetic usage, the API server scrapes
 * it into metrics.k8s.io, and the HPA controller reads it there and scales a ReplicaSet
 * through /scale, up under load and down once the load is gone and the window has passed.
 * Everything runs on one FakeClock.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js"
import {
  Events,
  HorizontalPodAutoscalers,
  Pods,
  PodMetricses,
  ReplicaSets,
  type ApiObject,
} from "../../src/api/index.ts"
import { runController, SharedInformers } from "../../src/client/index.ts"
import { horizontalPodAutoscalerController } from "../../src/controllers/index.ts"
import { CPU_USAGE_ANNOTATION, HollowNodes } from "../../src/kubelet/index.ts"
import { settleUntil, startClientEnv } from "../../src/testing/index.ts"
import { FakeClock, silentLogger } from "../../src/util/index.ts"

const NODES = 20
const PODS = 60

/** Hollow nodes, the API server scraping them, and the HPA controller, on one FakeClock. */
async function startHollowHpa() {
  const clock = new FakeClock()
  const holder: { nodes?: HollowNodes } = {}
  const env = await startClientEnv({
    clock,
    server: {
      summaries: async (node) => {
        const s = holder.nodes?.summary(node.metadata?.name ?? "")
        if (!s) throw new Error("not a hollow node")
        return s
      },
    },
  })
  const client = env.inProcess
  const stop = new AbortController()
  const log = silentLogger()
  const nodes = (holder.nodes = new HollowNodes({
    client,
    clock,
    log,
    nodes: Array.from({ length: NODES }, (_, i) => ({ name: `h-${i}`, address: `127.0.1.${i + 1}` })),
  }))
  const informers = new SharedInformers(client, { clock, log })
  const running = Promise.all([
    nodes.run(stop.signal),
    informers.run(stop.signal),
    runController(horizontalPodAutoscalerController(), { client, informers, clock, log }, stop.signal),
  ])
  /** Polls an API read until `done` holds for its value; returns that value. */
  async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
    let last: { v: T } | undefined
    let busy = false
    await settleUntil(() => {
      if (last && done(last.v)) return true
      if (!busy) {
        busy = true
        void read()
          .then((v) => (last = { v }))
          .finally(() => (busy = false))
      }
      return false
    }, what)
    return (last as { v: T }).v
  }
  /** A ReplicaSet of PODS running pods on the hollow nodes, each using `cpu` of its 100m. */
  async function workload(cpu: string) {
    const spec = {
      containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }],
    }
    const labels = { app: "load" }
    await client.resource(ReplicaSets).create({
      metadata: { name: "load", namespace: "default" },
      spec: { replicas: PODS, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } },
    })
    for (let i = 0; i < PODS; i++) {
      await client.resource(Pods).create({
        metadata: {
          name: `load-${i}`,
          namespace: "default",
          labels,
          annotations: { [CPU_USAGE_ANNOTATION]: cpu },
        },
        spec: { ...spec, nodeName: `h-${i % NODES}` },
      })
    }
    await poll(
      async () =>
        (await client.resource(Pods).list({ namespace: "default" })).items.filter(
          (p) => p.status?.phase === "Running",
        ).length,
      (n) => n === PODS,
      "the pods to run",
    )
    // A scrape of every hollow node (15 s later).
    await clock.advance(15_000)
    await poll(
      async () => (await client.resource(PodMetricses).list({ namespace: "default" })).items.length,
      (n) => n === PODS,
      "metrics of every pod",
    )
  }
  function autoscale(maxReplicas: number) {
    return client.resource(HorizontalPodAutoscalers).create({
      metadata: { name: "load", namespace: "default" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "ReplicaSet", name: "load" },
        minReplicas: 1,
        maxReplicas,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
      },
    } as HorizontalPodAutoscaler & ApiObject)
  }
  const replicas = async () =>
    (await client.resource(ReplicaSets).get({ namespace: "default", name: "load" })).spec?.replicas ?? 0
  const hpaStatus = async () =>
    (await client.resource(HorizontalPodAutoscalers).get({ namespace: "default", name: "load" })).status
  return {
    client,
    clock,
    poll,
    workload,
    autoscale,
    replicas,
    hpaStatus,
    async stop() {
      stop.abort()
      await running
      await env.stop()
    },
  }
}

test("an HPA scales a ReplicaSet on hollow nodes' synthetic usage read from metrics.k8s.io", async () => {
  const h = await startHollowHpa()
  try {
    // 150m each against 100m requests: 150% of request
    await h.workload("150m")
    await h.autoscale(500)
    // 150% / 50% → 3x: 180, bounded by max(2x, 4) = 120 in one step.
    const replicas = await h.poll(h.replicas, (n) => n !== PODS, "the HPA to scale")
    assert.equal(replicas, 2 * PODS)
  } finally {
    await h.stop()
  }
})

test("when the load goes away, the HPA scales down once the default 5 min window has passed", async () => {
  const h = await startHollowHpa()
  try {
    // GIVEN 60 pods on target (50m of 100m: 50%) under an HPA at 50%: no change
    await h.workload("50m")
    await h.autoscale(100)
    await h.poll(
      h.hpaStatus,
      (s) => s?.currentMetrics?.[0]?.resource?.current.averageUtilization === 50,
      "the HPA on target",
    )
    assert.equal(await h.replicas(), PODS)
    // WHEN the load goes away (10m each: 20%)
    const gone = h.clock.now()
    for (let i = 0; i < PODS; i++) {
      await h.client
        .resource(Pods)
        .patch(
          { namespace: "default", name: `load-${i}` },
          { metadata: { annotations: { [CPU_USAGE_ANNOTATION]: "10m" } } },
          { type: "merge" },
        )
    }
    await h.clock.advance(15_000)
    const stabilized = await h.poll(
      h.hpaStatus,
      (s) =>
        s?.conditions?.some((c) => c.type === "AbleToScale" && c.reason === "ScaleDownStabilized") ?? false,
      "the recommendation held by the window",
    )
    assert.equal(stabilized?.desiredReplicas, PODS)
    // THEN replicas hold for the window, then drop to ceil(60 × 10/50) = 12 in one step
    let scaledAt = 0
    for (let step = 0; step < 30 && !scaledAt; step++) {
      await h.clock.advance(15_000)
      const s = await h.poll(h.hpaStatus, (x) => !!x, "the status")
      if (s?.lastScaleTime) scaledAt = Date.parse(s.lastScaleTime)
    }
    assert.equal(await h.replicas(), 12)
    // (the last recommendation of 60 came from the sync before the next scrape, up to 15 s late)
    const after = (scaledAt - gone) / 1000
    assert.ok(after >= 300 && after <= 345, `scaled ${after} s after the load went away`)
    const events = await h.poll(
      async () =>
        (await h.client.resource(Events).list({ namespace: "default" })).items
          .filter((e) => e.involvedObject.kind === "HorizontalPodAutoscaler")
          .map((e) => `${e.reason}: ${e.message}`),
      (l) => l.length > 0,
      "the event",
    )
    assert.deepEqual(events, ["SuccessfulRescale: New size: 12; reason: All metrics below target"])
  } finally {
    await h.stop()
  }
})

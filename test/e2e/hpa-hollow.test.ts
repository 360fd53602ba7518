/**
 * The HPA at scale, in process: hollow nodes report synthetic usage, the API server scrapes
 * it into metrics.k8s.io, and the HPA controller reads it there and scales a ReplicaSet
 * through /scale. Everything runs on one FakeClock.
 */
import assert from "node:assert/strict"
import { test } from "node:test"
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js"
import {
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

test("an HPA scales a ReplicaSet on hollow nodes' synthetic usage read from metrics.k8s.io", async () => {
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
  try {
    const spec = {
      containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }],
    }
    const labels = { app: "load" }
    await client.resource(ReplicaSets).create({
      metadata: { name: "load", namespace: "default" },
      spec: { replicas: PODS, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } },
    })
    // 150m each against 100m requests: 150% of request
    for (let i = 0; i < PODS; i++) {
      await client.resource(Pods).create({
        metadata: {
          name: `load-${i}`,
          namespace: "default",
          labels,
          annotations: { [CPU_USAGE_ANNOTATION]: "150m" },
        },
        spec: { ...spec, nodeName: `h-${i % NODES}` },
      })
    }
    const running = async () =>
      (await client.resource(Pods).list({ namespace: "default" })).items.filter(
        (p) => p.status?.phase === "Running",
      ).length
    let n = 0
    await settleUntil(() => {
      void running().then((v) => (n = v))
      return n === PODS
    }, "the pods to run")
    // Two scrapes (15 s apart) of every hollow node.
    await clock.advance(15_000)
    let metrics = 0
    await settleUntil(() => {
      void client
        .resource(PodMetricses)
        .list({ namespace: "default" })
        .then((l) => (metrics = l.items.length))
      return metrics === PODS
    }, "metrics of every pod")
    await client.resource(HorizontalPodAutoscalers).create({
      metadata: { name: "load", namespace: "default" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "ReplicaSet", name: "load" },
        minReplicas: 1,
        maxReplicas: 500,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
      },
    } as HorizontalPodAutoscaler & ApiObject)
    // 150% / 50% → 3x: 180, bounded by max(2x, 4) = 120 in one step.
    let replicas = PODS
    await settleUntil(() => {
      void client
        .resource(ReplicaSets)
        .get({ namespace: "default", name: "load" })
        .then((r) => (replicas = r.spec?.replicas ?? 0))
      return replicas !== PODS
    }, "the HPA to scale")
    assert.equal(replicas, 2 * PODS)
  } finally {
    stop.abort()
    await running
    await env.stop()
  }
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js"
import {
  CustomResourceDefinitions,
  Events,
  HorizontalPodAutoscalers,
  Pods,
  ReplicaSets,
  type ApiObject,
  type ResourceRef,
} from "../../api/index.ts"
import { startLifecycleEnv, type LifecycleEnv } from "../lifecycle-env.case.ts"
import { horizontalPodAutoscalerController } from "./horizontal.ts"
import type { MetricsClient, PodMetricsInfo } from "./metrics-client.ts"

describe("horizontalPodAutoscalerController", () => {
  let t: LifecycleEnv
  let ns: string
  /** Millicores each pod uses, by pod name. */
  const usage = new Map<string, number>()
  const fake: MetricsClient = {
    async getResourceMetric() {
      const metrics: PodMetricsInfo = new Map()
      for (const [name, value] of usage)
        metrics.set(name, { timestamp: t.clock.now(), windowMs: 15_000, value })
      if (metrics.size === 0) throw new Error("no metrics returned from resource metrics API")
      return { metrics, timestamp: t.clock.now() }
    },
  }
  before(async () => {
    t = await startLifecycleEnv([horizontalPodAutoscalerController({ metrics: () => fake })])
    ns = await t.namespace("hpa")
  })
  after(() => t.stop())

  async function target(app: string, replicas: number, requests = true) {
    await t.client.resource(ReplicaSets).create({
      metadata: { name: app, namespace: ns },
      spec: {
        replicas,
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: [{ name: "c", image: "x" }] } },
      },
    })
    await readyPods(app, requests)
  }

  /** Two running, ready pods labelled app=<app>, started 10 min ago, requesting 100m (or nothing). */
  async function readyPods(app: string, requests = true) {
    for (const i of [0, 1]) {
      const resources = requests ? { resources: { requests: { cpu: "100m" } } } : {}
      const pod = await t.client.resource(Pods).create({
        metadata: { name: `${app}-${i}`, namespace: ns, labels: { app } },
        spec: { containers: [{ name: "c", image: "x", ...resources }] },
      })
      const started = new Date(t.clock.now() - 600_000).toISOString()
      await t.client.resource(Pods).updateStatus({
        ...pod,
        status: {
          phase: "Running",
          startTime: started,
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: started }],
        },
      })
    }
  }

  function hpa(app: string, spec: Partial<HorizontalPodAutoscaler["spec"]> = {}) {
    return t.client.resource(HorizontalPodAutoscalers).create({
      metadata: { name: app, namespace: ns },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "ReplicaSet", name: app },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } },
          },
        ],
        ...spec,
      },
    } as HorizontalPodAutoscaler & ApiObject)
  }

  const replicas = async (name: string) =>
    (await t.client.resource(ReplicaSets).get({ namespace: ns, name })).spec?.replicas
  const status = async (name: string) =>
    (await t.client.resource(HorizontalPodAutoscalers).get({ namespace: ns, name })).status
  const condition = async (name: string, type: string) =>
    (await status(name))?.conditions?.find((c) => c.type === type)
  const events = async (name: string) =>
    (await t.client.resource(Events).list({ namespace: ns })).items
      .filter((e) => e.involvedObject.name === name && e.involvedObject.kind === "HorizontalPodAutoscaler")
      .map((e) => `${e.reason}: ${e.message}`)

  test("scales up through /scale, bounded by the default rate, and reports status and events", async () => {
    // GIVEN two pods at 200% of their 100m request under a 50% target
    await target("up", 2)
    usage.set("up-0", 200).set("up-1", 200)
    // WHEN an HPA without behavior reconciles
    await hpa("up")
    // THEN it scales to 4 (max(2x, 4) of 2), not to the 8 the metrics ask for
    await t.until(async () => (await replicas("up")) === 4, "the scale-up to 4")

    await t.until(async () => (await status("up"))?.desiredReplicas === 4, "the status")
    const s = await status("up")
    assert.equal(s?.currentReplicas, 2)
    assert.ok(s?.lastScaleTime)
    assert.deepEqual(s?.currentMetrics, [
      {
        type: "Resource",
        resource: { name: "cpu", current: { averageUtilization: 200, averageValue: "200m" } },
      },
    ])
    assert.equal((await condition("up", "AbleToScale"))?.reason, "SucceededRescale")
    assert.equal((await condition("up", "ScalingActive"))?.reason, "ValidMetricFound")
    const limited = await condition("up", "ScalingLimited")
    assert.deepEqual([limited?.status, limited?.reason], ["True", "ScaleUpLimit"])
    await t.until(async () => (await events("up")).length > 0, "the event")
    assert.deepEqual(await events("up"), [
      "SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target",
    ])
    // AND at the next sync (15 s later) it goes on to 8
    await t.clock.advance(15_000)
    await t.until(async () => (await replicas("up")) === 8, "the scale-up to 8")
    usage.clear()
  })

  test("two HPAs over the same pods are both refused (AmbiguousSelector) and scale nothing", async () => {
    // GIVEN pods far above target, and two HPAs for their ReplicaSet
    await target("amb", 2)
    usage.set("amb-0", 400).set("amb-1", 400)
    await hpa("amb", { maxReplicas: 2 })
    await hpa("amb2", { scaleTargetRef: { apiVersion: "apps/v1", kind: "ReplicaSet", name: "amb" } })
    // WHEN both have had a pass with the other's selector known (the second's first pass knew the first's)
    await t.until(
      async () => (await condition("amb2", "ScalingActive"))?.reason === "AmbiguousSelector",
      "amb2",
    )
    await t.clock.advance(15_000)
    // THEN neither scales, and each says why
    const msg = `pods by selector app=amb are controlled by multiple HPAs: [${ns}/amb ${ns}/amb2]`
    for (const name of ["amb", "amb2"]) {
      await t.until(
        async () => (await condition(name, "ScalingActive"))?.reason === "AmbiguousSelector",
        name,
      )
      assert.equal((await condition(name, "ScalingActive"))?.message, msg)
      await t.until(async () => (await events(name)).includes(`AmbiguousSelector: ${msg}`), `${name}'s event`)
      // As upstream, computing the metrics failed: told again, and no metrics are reported
      await t.until(
        async () => (await events(name)).includes(`FailedComputeMetricsReplicas: ${msg}`),
        `${name}'s FailedComputeMetricsReplicas event`,
      )
      assert.equal((await status(name))?.currentMetrics, undefined)
    }
    assert.equal(await replicas("amb"), 2)
    usage.clear()
  })

  test("a target at zero disables scaling; the status, stored without the zero, is not rewritten", async () => {
    // GIVEN a ReplicaSet scaled to zero under an HPA
    await t.client.resource(ReplicaSets).create({
      metadata: { name: "zero", namespace: ns },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "zero" } },
        template: {
          metadata: { labels: { app: "zero" } },
          spec: { containers: [{ name: "c", image: "x" }] },
        },
      },
    })
    await hpa("zero")
    await t.until(
      async () => (await condition("zero", "ScalingActive"))?.reason === "ScalingDisabled",
      "scaling disabled",
    )
    // THEN the status leaves currentReplicas out, as upstream's omitempty int32 stores it
    const first = await t.client.resource(HorizontalPodAutoscalers).get({ namespace: ns, name: "zero" })
    assert.equal("currentReplicas" in (first.status ?? {}), false)
    assert.equal(first.status?.desiredReplicas, 0)
    // AND the next syncs find nothing to write
    for (let i = 0; i < 2; i++) {
      await t.clock.advance(15_000)
      await t.settle()
    }
    const later = await t.client.resource(HorizontalPodAutoscalers).get({ namespace: ns, name: "zero" })
    assert.equal(later.metadata?.resourceVersion, first.metadata?.resourceVersion)
  })

  test("metrics are no longer reported once the target is scaled to zero", async () => {
    // GIVEN an HPA reporting the metrics of its target's two pods
    await target("drop", 2)
    usage.set("drop-0", 50).set("drop-1", 50)
    await hpa("drop")
    await t.until(async () => !!(await status("drop"))?.currentMetrics?.length, "metrics reported")
    // WHEN the target is scaled to zero
    const rs = await t.client.resource(ReplicaSets).get({ namespace: ns, name: "drop" })
    await t.client.resource(ReplicaSets).update({ ...rs, spec: { ...rs.spec!, replicas: 0 } })
    await t.clock.advance(15_000)
    // THEN scaling is disabled and the status carries no metrics, as upstream's
    await t.until(
      async () => (await condition("drop", "ScalingActive"))?.reason === "ScalingDisabled",
      "scaling disabled",
    )
    assert.equal((await status("drop"))?.currentMetrics, undefined)
    usage.clear()
  })

  test("scale-down waits for the stabilization window", async () => {
    // GIVEN a target at 4 replicas whose two pods idle at 10%
    await target("down", 4)
    usage.set("down-0", 10).set("down-1", 10)
    await hpa("down", { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } })
    await t.until(
      async () => (await condition("down", "AbleToScale"))?.reason === "ScaleDownStabilized",
      "stabilized",
    )
    assert.equal(await replicas("down"), 4)
    // WHEN the window passes
    for (let i = 0; i < 5; i++) await t.clock.advance(15_000)
    // THEN it scales down to the minimum
    await t.until(async () => (await replicas("down")) === 1, "the scale-down")
    await t.until(async () => (await events("down")).length > 0, "the event")
    assert.deepEqual(await events("down"), [
      "SuccessfulRescale: New size: 1; reason: All metrics below target",
    ])
    usage.clear()
  })

  test("Pods metrics and missing targets are reported in the conditions", async () => {
    await target("custom", 2)
    await hpa("custom", {
      metrics: [
        {
          type: "Pods",
          pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "10" } },
        },
      ],
    })
    await t.until(
      async () => (await condition("custom", "ScalingActive"))?.status === "False",
      "ScalingActive",
    )
    const active = await condition("custom", "ScalingActive")
    assert.equal(active?.reason, "FailedGetPodsMetric")
    assert.match(
      active?.message ?? "",
      /^the HPA was unable to compute the replica count: unable to get metric qps/,
    )
    await hpa("nothing")
    await t.until(
      async () => (await condition("nothing", "AbleToScale"))?.reason === "FailedGetScale",
      "FailedGetScale",
    )
    assert.equal(await replicas("custom"), 2)
  })

  test("metrics that cannot be computed are told in FailedComputeMetricsReplicas, with an empty current metric", async () => {
    // GIVEN a target whose pods request no cpu, under a cpu utilization target
    await target("noreq", 2, false)
    usage.set("noreq-0", 200).set("noreq-1", 200)
    // WHEN the HPA reconciles
    await hpa("noreq")
    // THEN it tells the metric's failure, then the failure over all metrics, as upstream's events do
    const missing = "failed to get cpu utilization: missing request for cpu in container c of Pod noreq-0"
    const want = [
      `FailedGetResourceMetric: ${missing}`,
      `FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${missing}`,
    ]
    await t.until(async () => (await events("noreq")).length === want.length, "the events")
    assert.deepEqual((await events("noreq")).sort(), want.sort())
    // AND the status has the current replicas and one empty entry for the invalid metric
    await t.until(
      async () => (await condition("noreq", "ScalingActive"))?.status === "False",
      "ScalingActive",
    )
    const s = await status("noreq")
    assert.equal(s?.currentReplicas, 2)
    assert.deepEqual(s?.currentMetrics, [{ type: "" }])
    const active = await condition("noreq", "ScalingActive")
    assert.deepEqual(
      [active?.reason, active?.message],
      ["FailedGetResourceMetric", `the HPA was unable to compute the replica count: ${missing}`],
    )
    assert.equal(await replicas("noreq"), 2)
    usage.clear()
  })

  test("a custom resource with a scale subresource is scaled through its /scale", async () => {
    // GIVEN a CRD whose versions serve /scale from spec.replicas and status.labelSelector
    const Shards: ResourceRef<ApiObject & { spec?: { replicas?: number } }> = {
      group: "db.example.com",
      version: "v1",
      resource: "shards",
      kind: "Shard",
      namespaced: true,
    }
    await t.client.resource(CustomResourceDefinitions).create({
      metadata: { name: "shards.db.example.com" },
      spec: {
        group: "db.example.com",
        scope: "Namespaced",
        names: { plural: "shards", kind: "Shard" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: {
              status: {},
              scale: {
                specReplicasPath: ".spec.replicas",
                statusReplicasPath: ".status.replicas",
                labelSelectorPath: ".status.labelSelector",
              },
            },
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: { type: "object", properties: { replicas: { type: "integer" } } },
                  status: {
                    type: "object",
                    properties: { replicas: { type: "integer" }, labelSelector: { type: "string" } },
                  },
                },
              },
            },
          },
        ],
      },
    })
    await t.until(
      async () =>
        !!(
          await t.client.resource(CustomResourceDefinitions).get({ name: "shards.db.example.com" })
        ).status?.conditions?.some((c) => c.type === "Established" && c.status === "True"),
      "the CRD established",
    )
    const shard = await t.client.resource(Shards).create({
      apiVersion: "db.example.com/v1",
      kind: "Shard",
      metadata: { name: "cr", namespace: ns },
      spec: { replicas: 2 },
    })
    await t.client
      .resource(Shards)
      .updateStatus({ ...shard, status: { replicas: 2, labelSelector: "app=cr" } } as typeof shard)
    // AND its two pods at 150% of their request under a 50% target
    await readyPods("cr")
    usage.set("cr-0", 150).set("cr-1", 150)
    // WHEN an HPA targets it by kind and apiVersion
    await hpa("cr", { scaleTargetRef: { apiVersion: "db.example.com/v1", kind: "Shard", name: "cr" } })
    // THEN the HPA finds the resource through discovery and scales the custom resource's spec.replicas
    const shardReplicas = async () =>
      (await t.client.resource(Shards).get({ namespace: ns, name: "cr" })).spec?.replicas
    await t.until(async () => (await shardReplicas()) === 4, "the custom resource scaled to 4")
    await t.until(async () => (await events("cr")).length > 0, "the event")
    assert.deepEqual(await events("cr"), [
      "SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target",
    ])
    await t.until(async () => (await condition("cr", "AbleToScale"))?.reason === "SucceededRescale", "status")
    assert.equal((await status("cr"))?.desiredReplicas, 4)
    // AND a kind nobody serves is reported as upstream's mapper does
    await hpa("nokind", { scaleTargetRef: { apiVersion: "db.example.com/v1", kind: "Missing", name: "x" } })
    await t.until(
      async () => (await condition("nokind", "AbleToScale"))?.reason === "FailedGetScale",
      "FailedGetScale",
    )
    assert.equal(
      (await condition("nokind", "AbleToScale"))?.message,
      'the HPA controller was unable to get the target\'s current scale: no matches for kind "Missing" in group "db.example.com"',
    )
    usage.clear()
  })
})

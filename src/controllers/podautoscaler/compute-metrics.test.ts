import { test } from "node:test"
import assert from "node:assert/strict"
import type { Pod } from "kubernetes-types/core/v1.js"
import type { MetricSpec, MetricStatus } from "kubernetes-types/autoscaling/v2.js"
import { computeReplicasForMetrics } from "./compute-metrics.ts"
import type { MetricsClient } from "./metrics-client.ts"

const NOW = Date.UTC(2026, 0, 1, 12)
const started = new Date(NOW - 600_000).toISOString()
const pods: Pod[] = ["a", "b"].map((name) => ({
  metadata: { name },
  spec: {
    containers: [
      { name: "app", resources: { requests: { cpu: "100m", memory: "100Mi" } } },
      { name: "side", resources: { requests: { cpu: "100m", memory: "100Mi" } } },
    ],
  },
  status: {
    phase: "Running",
    startTime: started,
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: started }],
  },
}))

/** app uses 100m, side 300m; memory 50Mi each container (in millibytes, as the API's milli values). */
const fake: MetricsClient = {
  async getResourceMetric(resource, _ns, _sel, container) {
    const per = (c: string) => (resource === "cpu" ? (c === "app" ? 100 : 300) : 50 * 2 ** 20 * 1000)
    const value = container ? per(container) : per("app") + per("side")
    return {
      metrics: new Map(["a", "b"].map((n) => [n, { timestamp: NOW, windowMs: 15_000, value }])),
      timestamp: NOW,
    }
  },
}
const args = {
  namespace: "ns",
  selector: "app=x",
  pods,
  metrics: fake,
  ctx: { currentReplicas: 2, now: NOW },
}

test("ContainerResource looks at one container's usage against its request", async () => {
  const r = await computeReplicasForMetrics(
    [
      {
        type: "ContainerResource",
        containerResource: {
          name: "cpu",
          container: "app",
          target: { type: "Utilization", averageUtilization: 50 },
        },
      },
    ],
    2,
    args,
  )
  assert.equal(r.replicas, 4)
  assert.equal(r.metric, "cpu container resource utilization (percentage of request)")
  assert.deepEqual(r.statuses, [
    {
      type: "ContainerResource",
      containerResource: {
        name: "cpu",
        container: "app",
        current: { averageUtilization: 100, averageValue: "100m" },
      },
    },
  ])
})

test("the highest proposal wins; AverageValue compares the average usage per pod", async () => {
  const r = await computeReplicasForMetrics(
    [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 200 } },
      },
      {
        type: "Resource",
        resource: { name: "memory", target: { type: "AverageValue", averageValue: "25Mi" } },
      },
    ],
    2,
    args,
  )
  assert.equal(r.replicas, 8)
  assert.equal(r.metric, "memory resource")
  assert.equal(r.statuses.length, 2)
})

test("a Pods metric cannot be computed: replicas -1 with FailedGetPodsMetric", async () => {
  const r = await computeReplicasForMetrics(
    [
      {
        type: "Pods",
        pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "1" } },
      },
    ],
    2,
    args,
  )
  assert.equal(r.replicas, -1)
  assert.equal(r.errors[0]?.reason, "FailedGetPodsMetric")
})

/** Pods like `pods` whose one container requests nothing. */
const noRequests: Pod[] = pods.map((p) => ({ ...p, spec: { containers: [{ name: "app" }] } }))
const cpuAt = (averageUtilization: number): MetricSpec => ({
  type: "Resource",
  resource: { name: "cpu", target: { type: "Utilization", averageUtilization } },
})
const qps: MetricSpec = {
  type: "Pods",
  pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "1" } },
}
const missingCpu = "failed to get cpu utilization: missing request for cpu in container app of Pod a"
const noCustom =
  "unable to get metric qps: unable to fetch metrics from custom metrics API (custom.metrics.k8s.io): it is not served by this cluster"
/** The status of cpuAt(...) over `pods`: 400m of 200m requested. */
const cpuStatus: MetricStatus = {
  type: "Resource",
  resource: { name: "cpu", current: { averageUtilization: 200, averageValue: "400m" } },
}

// Upstream's computeReplicasForMetrics: one status per metric (empty for an invalid one), the
// first failure for the condition, and an error over all metrics for FailedComputeMetricsReplicas.
const failures: {
  name: string
  specs: MetricSpec[]
  pods?: Pod[]
  want: {
    replicas: number
    reason: string
    message: string
    invalidMetrics: string
    statuses: MetricStatus[]
    /** Each failed metric's event reason, in order. */
    events?: string[]
  }
}[] = [
  {
    name: "a Resource metric of pods without requests",
    specs: [cpuAt(50)],
    pods: noRequests,
    want: {
      replicas: -1,
      reason: "FailedGetResourceMetric",
      message: missingCpu,
      invalidMetrics: `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${missingCpu}`,
      statuses: [{ type: "" }],
    },
  },
  {
    name: "a ContainerResource metric of pods without requests",
    specs: [
      {
        type: "ContainerResource",
        containerResource: {
          name: "cpu",
          container: "app",
          target: { type: "Utilization", averageUtilization: 50 },
        },
      },
    ],
    pods: noRequests,
    want: {
      replicas: -1,
      reason: "FailedGetContainerResourceMetric",
      message: missingCpu,
      invalidMetrics: `invalid metrics (1 invalid out of 1), first error is: failed to get app container metric value: ${missingCpu}`,
      statuses: [{ type: "" }],
    },
  },
  {
    name: "an External metric with an average value target",
    specs: [
      {
        type: "External",
        external: { metric: { name: "queue" }, target: { type: "AverageValue", averageValue: "5" } },
      },
    ],
    want: {
      replicas: -1,
      reason: "FailedGetExternalMetric",
      message:
        "unable to get metric queue: unable to fetch metrics from external metrics API (external.metrics.k8s.io): it is not served by this cluster",
      invalidMetrics:
        "invalid metrics (1 invalid out of 1), first error is: failed to get queue external metric value: failed to get queue external metric: unable to get metric queue: unable to fetch metrics from external metrics API (external.metrics.k8s.io): it is not served by this cluster",
      statuses: [{ type: "" }],
    },
  },
  {
    name: "an invalid metric besides a valid one asking for fewer replicas",
    specs: [cpuAt(400), qps],
    want: {
      replicas: -1,
      reason: "FailedGetPodsMetric",
      message: noCustom,
      invalidMetrics: `invalid metrics (1 invalid out of 2), first error is: failed to get pods metric value: ${noCustom}`,
      statuses: [cpuStatus, { type: "" }],
    },
  },
  {
    name: "two invalid metrics: each has its event, the first makes the condition",
    specs: [cpuAt(50), qps],
    pods: noRequests,
    want: {
      replicas: -1,
      reason: "FailedGetResourceMetric",
      message: missingCpu,
      invalidMetrics: `invalid metrics (2 invalid out of 2), first error is: failed to get cpu resource metric value: ${missingCpu}`,
      statuses: [{ type: "" }, { type: "" }],
      events: ["FailedGetResourceMetric", "FailedGetPodsMetric"],
    },
  },
  {
    name: "an invalid metric before a valid one asking for more replicas (scaling goes on)",
    specs: [qps, cpuAt(100)],
    want: {
      replicas: 4,
      reason: "FailedGetPodsMetric",
      message: noCustom,
      invalidMetrics: `invalid metrics (1 invalid out of 2), first error is: failed to get pods metric value: ${noCustom}`,
      statuses: [{ type: "" }, cpuStatus],
    },
  },
]
for (const c of failures) {
  test(`computeReplicasForMetrics() with ${c.name}`, async () => {
    const r = await computeReplicasForMetrics(c.specs, 2, { ...args, pods: c.pods ?? pods })
    assert.deepEqual(
      {
        replicas: r.replicas,
        reason: r.errors[0]?.reason,
        message: r.errors[0]?.message,
        invalidMetrics: r.invalidMetrics,
        statuses: r.statuses,
        ...(c.want.events ? { events: r.errors.map((e) => e.reason) } : {}),
      },
      c.want,
    )
    assert.equal(r.errors.length, c.want.statuses.filter((s) => s.type === "").length)
  })
}

import { test } from "node:test"
import assert from "node:assert/strict"
import type { Pod } from "kubernetes-types/core/v1.js"
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
  assert.equal(r.error?.reason, "FailedGetPodsMetric")
})

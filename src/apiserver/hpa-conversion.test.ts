import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"

let env: ClientEnv
before(async () => {
  env = await startClientEnv()
})
after(() => env.stop())

const V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
const V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"

test("an HPA read and written back at v1 keeps its v2 metrics and behavior", async () => {
  const metrics = [
    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
    { type: "Pods", pods: { metric: { name: "qps" }, target: { type: "AverageValue", averageValue: "10" } } },
    { type: "External", external: { metric: { name: "queue" }, target: { type: "Value", value: "100" } } },
  ]
  const behavior = {
    scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: "Pods", value: 1, periodSeconds: 30 }] },
  }
  await env.inProcess.request({
    method: "POST",
    path: V2,
    body: {
      metadata: { name: "web" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 1,
        maxReplicas: 5,
        metrics,
        behavior,
      },
    },
  })
  const v1 = await env.inProcess.request<any>({ method: "GET", path: `${V1}/web` })
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 60)
  assert.deepEqual(JSON.parse(v1.metadata.annotations["autoscaling.alpha.kubernetes.io/metrics"]), [
    { type: "Pods", pods: { metricName: "qps", targetAverageValue: "10" } },
    { type: "External", external: { metricName: "queue", targetValue: "100" } },
  ])
  // A v1 client changes what it knows (maxReplicas) and writes the whole object back.
  v1.spec.maxReplicas = 7
  await env.inProcess.request({ method: "PUT", path: `${V1}/web`, body: v1 })
  const v2 = await env.inProcess.request<any>({ method: "GET", path: `${V2}/web` })
  assert.equal(v2.spec.maxReplicas, 7)
  assert.deepEqual(v2.spec.metrics, metrics)
  assert.deepEqual(v2.spec.behavior.scaleDown, { ...behavior.scaleDown, selectPolicy: "Max" })
  assert.equal(v2.metadata.annotations, undefined)
})

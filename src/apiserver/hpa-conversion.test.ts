import assert from "node:assert/strict"
import { after, before, test } from "node:test"
import { type ClientEnv, apiCall, startClientEnv } from "../testing/index.ts"
import { hpaToV1, hpaToV2 } from "./hpa-conversion.ts"

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

test("every metric type and its status survive v2 → v1 → v2", () => {
  const target = (t: Record<string, unknown>) => ({ target: t })
  const metrics = [
    {
      type: "Resource",
      resource: { name: "memory", ...target({ type: "AverageValue", averageValue: "1Gi" }) },
    },
    {
      type: "ContainerResource",
      containerResource: {
        name: "cpu",
        container: "c",
        ...target({ type: "Utilization", averageUtilization: 50 }),
      },
    },
    {
      type: "Pods",
      pods: {
        metric: { name: "qps", selector: { matchLabels: { a: "b" } } },
        ...target({ type: "AverageValue", averageValue: "10" }),
      },
    },
    {
      type: "Object",
      object: {
        describedObject: { apiVersion: "v1", kind: "Service", name: "s" },
        metric: { name: "rps" },
        ...target({ type: "Value", value: "5" }),
      },
    },
    {
      type: "External",
      external: { metric: { name: "queue" }, ...target({ type: "AverageValue", averageValue: "7" }) },
    },
  ]
  // The status of each metric: the same source with `current` (no type) instead of `target`.
  const currentMetrics = metrics.map((m) => {
    const key = Object.keys(m).find((k) => k !== "type") as string
    const { target: t, ...rest } = (m as Record<string, any>)[key]
    const { type: _type, ...current } = t
    return { type: m.type, [key]: { ...rest, current } }
  })
  const hpa = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "x" },
    spec: { minReplicas: 1, maxReplicas: 3, metrics },
    status: { currentReplicas: 1, desiredReplicas: 1, currentMetrics },
  }
  const v1 = hpaToV1(hpa)
  assert.deepEqual(
    JSON.parse(v1.metadata?.annotations?.["autoscaling.alpha.kubernetes.io/current-metrics"] ?? "")[4],
    {
      type: "External",
      external: { metricName: "queue", currentAverageValue: "7" },
    },
  )
  const back = hpaToV2(v1)
  assert.deepEqual(back.spec?.metrics, metrics)
  assert.deepEqual(back.status?.currentMetrics, currentMetrics)
})

test("a new HPA's status is each version's zero: currentReplicas omitted at v2, written at v1", async () => {
  // autoscaling/v2's currentReplicas is `omitempty`, v1's is not; desiredReplicas neither.
  const spec = { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" }, maxReplicas: 3 }
  for (const [path, name] of [
    [V2, "zero-v2"],
    [V1, "zero-v1"],
  ] as const) {
    const created = await apiCall(env.api, "POST", path, { metadata: { name }, spec })
    assert.equal(created.status, 201, created.text)
    const at = path === V2 ? "v2" : "v1"
    const want = at === "v2" ? { desiredReplicas: 0 } : { currentReplicas: 0, desiredReplicas: 0 }
    assert.deepEqual(created.json.status, want, `created at ${at}`)
    assert.deepEqual((await apiCall(env.api, "GET", `${V2}/${name}`)).json.status, { desiredReplicas: 0 })
    assert.deepEqual((await apiCall(env.api, "GET", `${V1}/${name}`)).json.status, {
      currentReplicas: 0,
      desiredReplicas: 0,
    })
  }
})

test("hpaToV2() leaves out a zero currentReplicas, hpaToV1() writes it", () => {
  const v1 = {
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "h" },
    spec: {},
  }
  const v2 = hpaToV2({ ...v1, status: { currentReplicas: 0, desiredReplicas: 2 } })
  assert.deepEqual(v2.status, { desiredReplicas: 2 })
  assert.deepEqual(hpaToV1(v2).status, { currentReplicas: 0, desiredReplicas: 2 })
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { FakeClock } from "../util/index.ts"
import type { ApiServer } from "./server.ts"
import { apiCall, memoryApiServer } from "../testing/index.ts"

let api: ApiServer
const clock = new FakeClock(Date.UTC(2026, 10, 30, 12, 0, 0))
memoryApiServer((started) => (api = started), { clock })

const call = (method: string, path: string, body?: unknown, type = "application/json") =>
  apiCall(api, method, path, body, { "content-type": type, accept: "application/json" })

const PODS = "/api/v1/namespaces/default/pods"
const SMP = "application/strategic-merge-patch+json"

const RESOURCES = { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } }

/** A pod bound to n1 and running, whose kubelet reported its container's resources. */
async function runningPod(name: string) {
  const created = await call("POST", PODS, {
    metadata: { name, labels: { app: name } },
    spec: { nodeName: "n1", containers: [{ name: "app", image: "nginx", resources: RESOURCES }] },
  })
  assert.equal(created.status, 201, JSON.stringify(created.json))
  const status = {
    phase: "Running",
    containerStatuses: [
      {
        name: "app",
        image: "nginx",
        imageID: "",
        ready: true,
        restartCount: 0,
        state: { running: { startedAt: "2026-11-30T12:00:00Z" } },
        resources: RESOURCES,
      },
    ],
  }
  const res = await call("PUT", `${PODS}/${name}/status`, { ...created.json, status })
  assert.equal(res.status, 200, JSON.stringify(res.json))
  return res.json
}

const cpuPatch = (cpu: string) => ({
  spec: { containers: [{ name: "app", resources: { requests: { cpu } } }] },
})

test("discovery lists pods/resize with get, patch and update", async () => {
  const res = await call("GET", "/api/v1")
  const sub = res.json.resources.find((r: any) => r.name === "pods/resize")
  assert.deepEqual(sub, {
    name: "pods/resize",
    singularName: "",
    namespaced: true,
    kind: "Pod",
    verbs: ["get", "patch", "update"],
  })
})

test("GET pods/resize returns the pod", async () => {
  await runningPod("get")
  const res = await call("GET", `${PODS}/get/resize`)
  assert.equal(res.status, 200)
  assert.equal(res.json.kind, "Pod")
  assert.equal(res.json.metadata.name, "get")
})

test("a strategic merge patch of pods/resize changes the resources only, and counts in the generation", async () => {
  const before = await runningPod("smp")
  const res = await call(
    "PATCH",
    `${PODS}/smp/resize`,
    { ...cpuPatch("150m"), metadata: { labels: { app: "changed" } } },
    SMP,
  )
  assert.equal(res.status, 200, JSON.stringify(res.json))
  assert.equal(res.json.spec.containers[0].resources.requests.cpu, "150m")
  assert.equal(res.json.spec.containers[0].resources.limits.cpu, "200m")
  assert.deepEqual(res.json.metadata.labels, { app: "smp" })
  assert.equal(res.json.status.phase, "Running")
  assert.equal(res.json.metadata.generation, before.metadata.generation + 1)
  const mf = res.json.metadata.managedFields.find((m: any) => m.subresource === "resize")
  assert.ok(mf, JSON.stringify(res.json.metadata.managedFields))
})

test("PUT pods/resize writes the resources and resizePolicy, nothing else", async () => {
  const pod = await runningPod("put")
  const put = structuredClone(pod)
  put.spec.containers[0].resources.limits.memory = "256Mi"
  put.spec.containers[0].image = "ignored"
  put.spec.activeDeadlineSeconds = 10
  const res = await call("PUT", `${PODS}/put/resize`, put)
  assert.equal(res.status, 200, JSON.stringify(res.json))
  assert.equal(res.json.spec.containers[0].resources.limits.memory, "256Mi")
  assert.equal(res.json.spec.containers[0].image, "nginx")
  assert.equal(res.json.spec.activeDeadlineSeconds, undefined)
})

test("a resize that changes the QoS class is refused with upstream's message", async () => {
  await runningPod("qos")
  const res = await call(
    "PATCH",
    `${PODS}/qos/resize`,
    { spec: { containers: [{ name: "app", resources: { requests: { cpu: "200m", memory: "128Mi" } } }] } },
    SMP,
  )
  assert.equal(res.status, 422, JSON.stringify(res.json))
  assert.equal(
    res.json.message,
    'Pod "qos" is invalid: spec: Invalid value: "Burstable": Pod QOS Class may not change as a result of resizing',
  )
})

test("another resource than cpu and memory may not be resized", async () => {
  await runningPod("eph")
  const res = await call(
    "PATCH",
    `${PODS}/eph/resize`,
    { spec: { containers: [{ name: "app", resources: { limits: { "ephemeral-storage": "1Gi" } } }] } },
    SMP,
  )
  assert.equal(res.status, 422, JSON.stringify(res.json))
  assert.equal(
    res.json.message,
    'Pod "eph" is invalid: spec: Forbidden: only cpu and memory resources are mutable',
  )
})

test("a plain pod update still may not change resources", async () => {
  await runningPod("plain")
  const res = await call("PATCH", `${PODS}/plain`, cpuPatch("150m"), SMP)
  assert.equal(res.status, 422, JSON.stringify(res.json))
  assert.match(
    res.json.message,
    /^Pod "plain" is invalid: spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/,
  )
})

test("a missing pod is a NotFound naming the pod", async () => {
  const res = await call("PATCH", `${PODS}/ghost/resize`, cpuPatch("150m"), SMP)
  assert.equal(res.status, 404)
  assert.equal(res.json.details.name, "ghost")
})

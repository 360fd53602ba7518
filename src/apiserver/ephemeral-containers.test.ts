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

async function runningPod(name: string) {
  const created = await call("POST", PODS, {
    metadata: { name, labels: { app: name } },
    spec: { nodeName: "n1", containers: [{ name: "app", image: "nginx" }] },
  })
  assert.equal(created.status, 201, JSON.stringify(created.json))
  const res = await call("PUT", `${PODS}/${name}/status`, { ...created.json, status: { phase: "Running" } })
  assert.equal(res.status, 200, JSON.stringify(res.json))
  return res.json
}

/** The strategic merge patch kubectl debug sends (a two-way patch from the pod to the pod plus the debugger). */
const debugPatch = (name: string, extra: Record<string, unknown> = {}) => ({
  spec: {
    ephemeralContainers: [
      {
        name,
        image: "busybox",
        resources: {},
        terminationMessagePolicy: "File",
        stdin: true,
        tty: true,
        ...extra,
      },
    ],
  },
})

test("GET pods/ephemeralcontainers returns the pod", async () => {
  await runningPod("get")
  const res = await call("GET", `${PODS}/get/ephemeralcontainers`)
  assert.equal(res.status, 200)
  assert.equal(res.json.kind, "Pod")
  assert.equal(res.json.metadata.name, "get")
})

test("a strategic merge patch adds an ephemeral container, defaulted, and keeps the rest", async () => {
  const before = await runningPod("smp")
  const res = await call(
    "PATCH",
    `${PODS}/smp/ephemeralcontainers`,
    { ...debugPatch("debugger", { targetContainerName: "app" }), metadata: { labels: { app: "changed" } } },
    "application/strategic-merge-patch+json",
  )
  assert.equal(res.status, 200, JSON.stringify(res.json))
  assert.equal(res.json.kind, "Pod")
  const [ec] = res.json.spec.ephemeralContainers
  assert.equal(ec.name, "debugger")
  assert.equal(ec.targetContainerName, "app")
  assert.equal(ec.imagePullPolicy, "Always")
  assert.equal(ec.terminationMessagePath, "/dev/termination-log")
  // Only spec.ephemeralContainers changes: labels and status stay; generation counts the change.
  assert.deepEqual(res.json.metadata.labels, { app: "smp" })
  assert.equal(res.json.status.phase, "Running")
  assert.equal(res.json.metadata.generation, before.metadata.generation + 1)
  const mf = res.json.metadata.managedFields.find((m: any) => m.subresource === "ephemeralcontainers")
  assert.ok(mf, JSON.stringify(res.json.metadata.managedFields))
  // A second debugger merges by name (kubectl's two-way patch names the order it wants).
  const order = { "$setElementOrder/ephemeralContainers": [{ name: "debugger" }, { name: "second" }] }
  const again = await call(
    "PATCH",
    `${PODS}/smp/ephemeralcontainers`,
    { spec: { ...debugPatch("second").spec, ...order } },
    "application/strategic-merge-patch+json",
  )
  assert.equal(again.status, 200, JSON.stringify(again.json))
  assert.deepEqual(
    again.json.spec.ephemeralContainers.map((c: any) => c.name),
    ["debugger", "second"],
  )
})

test("JSON merge and JSON patches and PUT write ephemeral containers too", async () => {
  const pod = await runningPod("other")
  const merge = await call(
    "PATCH",
    `${PODS}/other/ephemeralcontainers`,
    debugPatch("one"),
    "application/merge-patch+json",
  )
  assert.equal(merge.status, 200, JSON.stringify(merge.json))
  const json = await call(
    "PATCH",
    `${PODS}/other/ephemeralcontainers`,
    [{ op: "add", path: "/spec/ephemeralContainers/-", value: { name: "two", image: "busybox" } }],
    "application/json-patch+json",
  )
  assert.equal(json.status, 200, JSON.stringify(json.json))
  const put = structuredClone(json.json)
  put.spec.ephemeralContainers.push({ name: "three", image: "busybox" })
  put.spec.containers[0].image = "ignored"
  const res = await call("PUT", `${PODS}/other/ephemeralcontainers`, put)
  assert.equal(res.status, 200, JSON.stringify(res.json))
  assert.deepEqual(
    res.json.spec.ephemeralContainers.map((c: any) => c.name),
    ["one", "two", "three"],
  )
  assert.equal(res.json.spec.containers[0].image, pod.spec.containers[0].image)
})

test("invalid ephemeral containers are refused with upstream's field errors", async () => {
  await runningPod("bad")
  const res = await call(
    "PATCH",
    `${PODS}/bad/ephemeralcontainers`,
    debugPatch("app", { targetContainerName: "nope", ports: [{ containerPort: 80 }] }),
    "application/strategic-merge-patch+json",
  )
  assert.equal(res.status, 422, JSON.stringify(res.json))
  assert.equal(
    res.json.message,
    'Pod "bad" is invalid: [spec.ephemeralContainers[0].name: Duplicate value: "app", ' +
      'spec.ephemeralContainers[0].targetContainerName: Not found: "nope", ' +
      "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container]",
  )
})

test("existing ephemeral containers may not be removed or changed", async () => {
  await runningPod("keep")
  const added = await call(
    "PATCH",
    `${PODS}/keep/ephemeralcontainers`,
    debugPatch("d"),
    "application/strategic-merge-patch+json",
  )
  assert.equal(added.status, 200, JSON.stringify(added.json))
  const removed = await call(
    "PATCH",
    `${PODS}/keep/ephemeralcontainers`,
    { spec: { ephemeralContainers: null } },
    "application/merge-patch+json",
  )
  assert.equal(removed.status, 422, JSON.stringify(removed.json))
  assert.match(removed.json.message, /existing ephemeral containers "d" may not be removed/)
  const changed = await call(
    "PATCH",
    `${PODS}/keep/ephemeralcontainers`,
    debugPatch("d", { image: "alpine" }),
    "application/strategic-merge-patch+json",
  )
  assert.equal(changed.status, 422, JSON.stringify(changed.json))
  assert.match(
    changed.json.message,
    /spec.ephemeralContainers\[d\]: Forbidden: existing ephemeral containers "d" may not be changed/,
  )
})

test("a missing pod is a NotFound naming the pod", async () => {
  const res = await call(
    "PATCH",
    `${PODS}/ghost/ephemeralcontainers`,
    debugPatch("d"),
    "application/strategic-merge-patch+json",
  )
  assert.equal(res.status, 404)
  assert.equal(res.json.details.name, "ghost")
})

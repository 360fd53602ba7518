import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

const CLASSES = "/apis/scheduling.k8s.io/v1/priorityclasses"
const PODS = "/api/v1/namespaces/default/pods"

function pod(name: string, spec: Record<string, unknown> = {}) {
  return { metadata: { name }, spec: { containers: [{ name: "c", image: "nginx" }], ...spec } }
}

describe("Priority admission", () => {
  test("the system classes exist from the start, as upstream bootstraps them", async () => {
    const res = await apiCall(api, "GET", CLASSES)
    assert.equal(res.status, 200)
    const byName = Object.fromEntries(
      res.json.items.map((c: any) => [c.metadata.name, [c.value, c.preemptionPolicy]]),
    )
    assert.deepEqual(byName, {
      "system-cluster-critical": [2000000000, "PreemptLowerPriority"],
      "system-node-critical": [2000001000, "PreemptLowerPriority"],
    })
    const del = await apiCall(api, "DELETE", `${CLASSES}/system-node-critical`)
    assert.equal(del.status, 403)
    assert.equal(
      del.json.message,
      'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted',
    )
  })

  test("a pod without a class gets 0 and PreemptLowerPriority; a system class its value", async () => {
    const plain = await apiCall(api, "POST", PODS, pod("plain"))
    assert.equal(plain.status, 201)
    assert.equal(plain.json.spec.priority, 0)
    assert.equal(plain.json.spec.preemptionPolicy, "PreemptLowerPriority")
    const critical = await apiCall(
      api,
      "POST",
      PODS,
      pod("crit", { priorityClassName: "system-cluster-critical" }),
    )
    assert.equal(critical.json.spec.priority, 2000000000)
  })

  test("a pod gets its class's value and preemption policy", async () => {
    const cls = { metadata: { name: "batch-low" }, value: 1000, preemptionPolicy: "Never" }
    assert.equal((await apiCall(api, "POST", CLASSES, cls)).status, 201)
    const res = await apiCall(api, "POST", PODS, pod("low", { priorityClassName: "batch-low" }))
    assert.equal(res.status, 201)
    assert.equal(res.json.spec.priority, 1000)
    assert.equal(res.json.spec.preemptionPolicy, "Never")
  })

  test("a class that does not exist, or a priority the class contradicts, is forbidden", async () => {
    const missing = await apiCall(api, "POST", PODS, pod("m", { priorityClassName: "nope" }))
    assert.equal(missing.status, 403)
    assert.equal(missing.json.message, 'pods "m" is forbidden: no PriorityClass with name nope was found')
    const wrong = await apiCall(api, "POST", PODS, pod("w", { priority: 5 }))
    assert.equal(wrong.status, 403)
    assert.equal(
      wrong.json.message,
      'pods "w" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
    )
  })

  test("the global default class applies to pods without a class, and only one may exist", async () => {
    const first = { metadata: { name: "default-prio" }, value: 50, globalDefault: true }
    assert.equal((await apiCall(api, "POST", CLASSES, first)).status, 201)
    const res = await apiCall(api, "POST", PODS, pod("d"))
    assert.equal(res.json.spec.priorityClassName, "default-prio")
    assert.equal(res.json.spec.priority, 50)
    const second = await apiCall(api, "POST", CLASSES, {
      metadata: { name: "other" },
      value: 60,
      globalDefault: true,
    })
    assert.equal(second.status, 403)
    assert.equal(
      second.json.message,
      'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass default-prio is marked as default. Only one default can exist',
    )
  })

  test("an update keeps the priority the pod was created with", async () => {
    const cur = await apiCall(api, "GET", `${PODS}/crit`)
    const { priority: _p, preemptionPolicy: _pp, ...spec } = cur.json.spec
    const res = await apiCall(api, "PUT", `${PODS}/crit`, { ...cur.json, spec })
    assert.equal(res.status, 200, JSON.stringify(res.json))
    assert.equal(res.json.spec.priority, 2000000000)
  })
})

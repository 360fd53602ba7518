import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { createApiServer, type ApiServer } from "./server.ts"
import { apiCall } from "../testing/index.ts"

let api: ApiServer
const ac = new AbortController()
const clock = new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0))

before(async () => {
  api = createApiServer({ store: new MemoryStore(), clock })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

const call = (method: string, path: string, body?: unknown) => apiCall(api, method, path, body)

const PODS = "/api/v1/namespaces/default/pods"
const PDBS = "/apis/policy/v1/namespaces/default/poddisruptionbudgets"

async function runningPod(name: string, labels: Record<string, string>, ready = true) {
  const created = await call("POST", PODS, {
    metadata: { name, labels },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  })
  assert.equal(created.status, 201, JSON.stringify(created.json))
  const status = {
    phase: "Running",
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  }
  const res = await call("PUT", `${PODS}/${name}/status`, { ...created.json, status })
  assert.equal(res.status, 200, JSON.stringify(res.json))
}

async function budget(name: string, app: string, status: Record<string, unknown>) {
  const created = await call("POST", PDBS, {
    metadata: { name },
    spec: { minAvailable: 1, selector: { matchLabels: { app } } },
  })
  assert.equal(created.status, 201, JSON.stringify(created.json))
  const res = await call("PUT", `${PDBS}/${name}/status`, {
    ...created.json,
    status: { observedGeneration: 1, expectedPods: 2, ...status },
  })
  assert.equal(res.status, 200, JSON.stringify(res.json))
}

const evict = (name: string, body: Record<string, unknown> = {}) =>
  call("POST", `${PODS}/${name}/eviction`, {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace: "default" },
    ...body,
  })

describe("pods/eviction", () => {
  test("evicts a pod no budget covers, like a delete", async () => {
    await runningPod("free", { app: "free" })
    const res = await evict("free", { deleteOptions: { gracePeriodSeconds: 0 } })
    assert.equal(res.status, 201)
    assert.equal(res.json.status, "Success")
    assert.equal((await call("GET", `${PODS}/free`)).status, 404)
  })

  test("marks the pod DisruptionTarget before deleting it; a dry run marks nothing", async () => {
    const created = await call("POST", PODS, {
      metadata: { name: "marked" },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "nginx" }] },
    })
    assert.equal(created.status, 201)
    const rv = created.json.metadata.resourceVersion
    const dry = await call("POST", `${PODS}/marked/eviction?dryRun=All`, {
      metadata: { name: "marked" },
    })
    assert.equal(dry.status, 201, JSON.stringify(dry.json))
    assert.equal((await call("GET", `${PODS}/marked`)).json.metadata.resourceVersion, rv)
    // A resourceVersion precondition is the pod's as read before the condition's write.
    const res = await evict("marked", { deleteOptions: { preconditions: { resourceVersion: rv } } })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    const pod = (await call("GET", `${PODS}/marked`)).json
    assert.ok(pod.metadata.deletionTimestamp, "terminating on its node")
    assert.deepEqual(
      pod.status.conditions.find((c: { type: string }) => c.type === "DisruptionTarget"),
      {
        type: "DisruptionTarget",
        observedGeneration: 1,
        status: "True",
        reason: "EvictionByEvictionAPI",
        message: "Eviction API: evicting",
        lastTransitionTime: "2026-11-24T12:00:00Z",
      },
    )
    const stale = await evict("marked", { deleteOptions: { preconditions: { uid: "other" } } })
    assert.equal(stale.status, 409)
    assert.match(stale.json.message, /Precondition failed: UID in precondition: other, UID in object meta: /)
  })

  test("spends a disruption, recording the pod in the budget's status", async () => {
    await budget("web", "web", { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 })
    await runningPod("web-1", { app: "web" })
    await runningPod("web-2", { app: "web" })
    const res = await evict("web-1")
    assert.equal(res.status, 201, JSON.stringify(res.json))
    const pdb = (await call("GET", `${PDBS}/web`)).json
    assert.equal(pdb.status.disruptionsAllowed, 0)
    assert.deepEqual(Object.keys(pdb.status.disruptedPods), ["web-1"])
    // Never scheduled, so deleted at once (a bound pod would terminate gracefully).
    assert.equal((await call("GET", `${PODS}/web-1`)).status, 404)
  })

  test("refuses with 429 and a DisruptionBudget cause when no disruption is left", async () => {
    const res = await evict("web-2")
    assert.equal(res.status, 429)
    assert.equal(res.json.reason, "TooManyRequests")
    assert.equal(res.json.message, "Cannot evict pod as it would violate the pod's disruption budget.")
    assert.deepEqual(res.json.details.causes, [
      {
        reason: "DisruptionBudget",
        message: "The disruption budget web needs 1 healthy pods and has 2 currently",
      },
    ])
    assert.equal((await call("GET", `${PODS}/web-2`)).json.metadata.deletionTimestamp, undefined)
  })

  test("refuses while the budget's status is stale, and when two budgets cover the pod", async () => {
    await runningPod("db-1", { app: "db", tier: "x" })
    const stale = await call("POST", PDBS, {
      metadata: { name: "db" },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: "db" } } },
    })
    assert.equal(stale.status, 201)
    const res = await evict("db-1")
    assert.equal(res.status, 429)
    assert.match(
      res.json.details.causes[0].message,
      /The disruption budget db is still being processed by the server/,
    )
    await budget("tier", "db", { disruptionsAllowed: 5 })
    const two = await evict("db-1")
    assert.equal(two.status, 500)
    assert.match(two.json.message, /more than one PodDisruptionBudget/)
  })

  test("an unready pod goes without spending when the budget is otherwise healthy", async () => {
    await budget("cache", "cache", { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 })
    await runningPod("cache-1", { app: "cache" })
    await runningPod("cache-2", { app: "cache" }, false)
    assert.equal((await evict("cache-2")).status, 201)
    assert.equal((await evict("cache-1")).status, 429)
  })

  test("evictions racing for one budget each get their turn, as kubectl drain sends them", async () => {
    await budget("race", "race", { disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1 })
    for (const n of [1, 2, 3]) await runningPod(`race-${n}`, { app: "race" })
    let settled = false
    const all = Promise.all(["race-1", "race-2", "race-3"].map((n) => evict(n))).finally(() => {
      settled = true
    })
    // The loser of a conflict waits half a second (this clock's) before it reads the budget again.
    while (!settled) await clock.advance(100)
    const codes = (await all).map((res) => res.status).sort()
    assert.deepEqual(codes, [201, 201, 429])
    const pdb = (await call("GET", `${PDBS}/race`)).json
    assert.equal(pdb.status.disruptionsAllowed, 0)
    assert.equal(Object.keys(pdb.status.disruptedPods).length, 2)
  })

  test("a name mismatch is a 400 and a missing pod a 404", async () => {
    const mismatch = await call("POST", `${PODS}/web-2/eviction`, { metadata: { name: "other" } })
    assert.equal(mismatch.status, 400)
    assert.equal((await evict("nope")).status, 404)
  })
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../../storage/index.ts"
import { FakeClock } from "../../util/index.ts"
import { createApiServer, type ApiServer } from "../server.ts"
import { apiCall } from "../../testing/index.ts"

let api: ApiServer
const ac = new AbortController()
const clock = new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0))

before(async () => {
  api = createApiServer({ store: new MemoryStore(), clock })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

const call = (method: string, path: string, body?: unknown, contentType = "application/json") =>
  apiCall(api, method, path, body, { "content-type": contentType, "user-agent": "tester/1.0 (linux)" })

const APPLY = "application/apply-patch+yaml"
const CMS = "/api/v1/namespaces/default/configmaps"

function cm(name: string, data: Record<string, string>) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data }
}

function managers(obj: any): string[] {
  return (obj.metadata.managedFields ?? []).map((e: any) => `${e.manager}/${e.operation}`)
}

describe("server-side apply over HTTP", () => {
  test("creates with 201, updates with 200, and needs a fieldManager", async () => {
    const missing = await call("PATCH", `${CMS}/a1`, cm("a1", { k: "v" }), APPLY)
    assert.equal(missing.status, 422)
    assert.equal(
      missing.json.message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    )
    const created = await call(
      "PATCH",
      `${CMS}/a1?fieldManager=me`,
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a1\ndata:\n  k: v\n",
      APPLY,
    )
    assert.equal(created.status, 201)
    assert.deepEqual(managers(created.json), ["me/Apply"])
    const updated = await call("PATCH", `${CMS}/a1?fieldManager=me`, cm("a1", { k: "w" }), APPLY)
    assert.equal(updated.status, 200)
    assert.equal(updated.json.data.k, "w")
  })

  test("writes without a fieldManager are recorded under the user agent's name", async () => {
    const created = await call("POST", CMS, cm("a2", { k: "v" }))
    assert.deepEqual(managers(created.json), ["tester/Update"])
    const conflict = await call("PATCH", `${CMS}/a2?fieldManager=other`, cm("a2", { k: "x" }), APPLY)
    assert.equal(conflict.status, 409)
    assert.equal(conflict.json.reason, "Conflict")
    assert.equal(
      conflict.json.message,
      'Apply failed with 1 conflict: conflict with "tester" using v1: .data.k',
    )
    assert.deepEqual(conflict.json.details.causes, [
      { reason: "FieldManagerConflict", message: 'conflict with "tester" using v1', field: ".data.k" },
    ])
    const forced = await call("PATCH", `${CMS}/a2?fieldManager=other&force=true`, cm("a2", { k: "x" }), APPLY)
    assert.equal(forced.status, 200)
    assert.deepEqual(managers(forced.json), ["other/Apply", "tester/Update"])
    // The creator keeps the data map it added, not the key it lost.
    assert.deepEqual(forced.json.metadata.managedFields[1].fieldsV1, { "f:data": {} })
  })

  test("managedFields are writable by a JSON patch, with the resourceVersion as precondition", async () => {
    const created = await call("POST", `${CMS}?fieldManager=first`, cm("a3", { k: "v" }))
    const rv = created.json.metadata.resourceVersion
    const entry = { ...created.json.metadata.managedFields[0], manager: "renamed" }
    const ops = (version: string) => [
      { op: "replace", path: "/metadata/managedFields", value: [entry] },
      { op: "replace", path: "/metadata/resourceVersion", value: version },
    ]
    const stale = await call("PATCH", `${CMS}/a3`, ops("1"), "application/json-patch+json")
    assert.equal(stale.status, 409)
    const ok = await call("PATCH", `${CMS}/a3`, ops(rv), "application/json-patch+json")
    assert.equal(ok.status, 200)
    assert.deepEqual(managers(ok.json), ["renamed/Update"])
  })

  test("force is only for apply; dry runs change nothing", async () => {
    await call("POST", CMS, cm("a4", { k: "v" }))
    const forced = await call(
      "PATCH",
      `${CMS}/a4?force=true`,
      { data: { k: "w" } },
      "application/merge-patch+json",
    )
    assert.equal(forced.status, 422)
    assert.match(forced.json.message, /force: Forbidden: may not be specified for non-apply patch/)
    const withUid = { ...cm("a6", {}), metadata: { name: "a6", uid: "u-1" } }
    const gone = await call("PATCH", `${CMS}/a6?fieldManager=me`, withUid, APPLY)
    assert.equal(gone.status, 409)
    assert.equal(
      gone.json.message,
      'Operation cannot be fulfilled on configmaps "a6": uid mismatch: the provided object specified uid u-1, and no existing object was found',
    )
    const dry = await call("PATCH", `${CMS}/a5?fieldManager=me&dryRun=All`, cm("a5", { k: "v" }), APPLY)
    assert.equal(dry.status, 201)
    assert.equal((await call("GET", `${CMS}/a5`)).status, 404)
  })

  test("apply to /status owns status fields under the status subresource", async () => {
    const dep = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "st" },
      spec: {
        selector: { matchLabels: { app: "st" } },
        template: { metadata: { labels: { app: "st" } }, spec: { containers: [{ name: "a", image: "x" }] } },
      },
    }
    await call("POST", "/apis/apps/v1/namespaces/default/deployments", dep)
    const status = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "st" },
      status: { replicas: 1 },
    }
    const r = await call(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/st/status?fieldManager=ctrl",
      status,
      APPLY,
    )
    assert.equal(r.status, 200)
    assert.equal(r.json.status.replicas, 1)
    const mine = r.json.metadata.managedFields.find((e: any) => e.manager === "ctrl")
    assert.equal(mine.subresource, "status")
    assert.deepEqual(mine.fieldsV1, { "f:status": { "f:replicas": {} } })
  })

  test("strategic merge patches merge containers by name", async () => {
    const dep = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "smp" },
      spec: {
        selector: { matchLabels: { app: "smp" } },
        template: { metadata: { labels: { app: "smp" } }, spec: { containers: [{ name: "a", image: "x" }] } },
      },
    }
    await call("POST", "/apis/apps/v1/namespaces/default/deployments", dep)
    const patched = await call(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/smp",
      { spec: { template: { spec: { containers: [{ name: "b", image: "y" }] } } } },
      "application/strategic-merge-patch+json",
    )
    assert.equal(patched.status, 200)
    assert.deepEqual(
      patched.json.spec.template.spec.containers.map((c: any) => c.name),
      ["b", "a"],
    )
    const bad = await call(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/smp",
      { spec: { template: { spec: { $setElementOrder: [] } } } },
      "application/strategic-merge-patch+json",
    )
    assert.equal(bad.status, 400)
    assert.equal(bad.json.message, "invalid patch format of setElementOrder list")
  })
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { ConfigMaps, Deployments, Endpoints, Services } from "../../api/index.ts"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import type { Served } from "./context.ts"
import { upstreamStorageKey } from "./uid-precondition.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

const OTHER = "00000000-0000-4000-8000-000000000001"

/** The message of upstream's Conflict for a PUT naming uid `wanted` where `found` is stored. */
function failed(what: string, name: string, key: string, wanted: string, found: string): string {
  return (
    `Operation cannot be fulfilled on ${what} "${name}": StorageError: invalid object, Code: 4, Key: ${key}, ` +
    `ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${wanted}, UID in object meta: ${found}`
  )
}

const served = (info: Served["info"]): Served => ({
  info,
  prefix: "",
  storageVersion: "v1",
  storageGroup: "",
})

for (const c of [
  { name: "a core resource", info: ConfigMaps, want: "/registry/configmaps/ns/x" },
  { name: "a grouped resource", info: Deployments, want: "/registry/deployments/ns/x" },
  { name: "endpoints", info: Endpoints, want: "/registry/services/endpoints/ns/x" },
  { name: "services", info: Services, want: "/registry/services/specs/ns/x" },
]) {
  test(`upstreamStorageKey() of ${c.name} is upstream's etcd key`, () => {
    assert.equal(upstreamStorageKey(served(c.info), "ns", "x"), c.want)
  })
}

test("a PUT naming another uid is a 409 from the uid precondition, before validation", async () => {
  const path = "/api/v1/namespaces/default/configmaps/uid-a"
  const created = await apiCall(api, "POST", "/api/v1/namespaces/default/configmaps", {
    metadata: { name: "uid-a" },
    data: { a: "1" },
  })
  assert.equal(created.status, 201)
  const uid = created.json.metadata.uid as string
  // Invalid too (a data key no ConfigMap may have): the precondition is checked first.
  const res = await apiCall(api, "PUT", path, {
    metadata: { name: "uid-a", uid: OTHER },
    data: { "a b": "1" },
  })
  assert.equal(res.status, 409, res.text)
  assert.equal(res.json.reason, "Conflict")
  assert.equal(
    res.json.message,
    failed("configmaps", "uid-a", "/registry/configmaps/default/uid-a", OTHER, uid),
  )
  assert.deepEqual(res.json.details, { name: "uid-a", kind: "configmaps" })
  // Its own uid, or none, updates.
  const same = await apiCall(api, "PUT", path, { metadata: { name: "uid-a", uid }, data: { a: "2" } })
  assert.equal(same.status, 200, same.text)
  const none = await apiCall(api, "PUT", path, { metadata: { name: "uid-a" }, data: { a: "3" } })
  assert.equal(none.status, 200, none.text)
})

test("a PUT naming a uid of an object that does not exist conflicts with the empty uid, created or not", async () => {
  const missing = await apiCall(api, "PUT", "/api/v1/namespaces/default/configmaps/uid-none", {
    metadata: { name: "uid-none", uid: OTHER },
  })
  assert.equal(missing.status, 409, missing.text)
  assert.equal(
    missing.json.message,
    failed("configmaps", "uid-none", "/registry/configmaps/default/uid-none", OTHER, ""),
  )
  const endpoints = await apiCall(api, "PUT", "/api/v1/namespaces/default/endpoints/uid-none", {
    metadata: { name: "uid-none", uid: OTHER },
  })
  assert.equal(endpoints.status, 409, endpoints.text)
  assert.equal(
    endpoints.json.message,
    failed("endpoints", "uid-none", "/registry/services/endpoints/default/uid-none", OTHER, ""),
  )
})

test("a status PUT and a scale PUT naming another uid are 409s; a patch naming one is validation's", async () => {
  const created = await apiCall(api, "POST", "/apis/apps/v1/namespaces/default/deployments", {
    metadata: { name: "uid-d" },
    spec: {
      selector: { matchLabels: { a: "b" } },
      template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
    },
  })
  assert.equal(created.status, 201, created.text)
  const uid = created.json.metadata.uid as string
  const path = "/apis/apps/v1/namespaces/default/deployments/uid-d"
  const key = "/registry/deployments/default/uid-d"
  const status = await apiCall(api, "PUT", `${path}/status`, {
    ...created.json,
    metadata: { ...created.json.metadata, uid: OTHER },
  })
  assert.equal(status.status, 409, status.text)
  assert.equal(status.json.message, failed("deployments.apps", "uid-d", key, OTHER, uid))
  const scale = await apiCall(api, "PUT", `${path}/scale`, {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: { name: "uid-d", namespace: "default", uid: OTHER },
    spec: { replicas: 2 },
  })
  assert.equal(scale.status, 409, scale.text)
  assert.equal(scale.json.message, failed("deployments.apps", "uid-d", key, OTHER, uid))
  const patch = await apiCall(
    api,
    "PATCH",
    path,
    { metadata: { uid: OTHER } },
    {
      "content-type": "application/merge-patch+json",
    },
  )
  assert.equal(patch.status, 422, patch.text)
})

test("a scale PUT naming a uid of an object that does not exist conflicts with the empty uid", async () => {
  const path = "/apis/apps/v1/namespaces/default/deployments/uid-gone"
  const body = {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: { name: "uid-gone", namespace: "default", uid: OTHER },
    spec: { replicas: 2 },
  }
  const scale = await apiCall(api, "PUT", `${path}/scale`, body)
  assert.equal(scale.status, 409, scale.text)
  assert.equal(
    scale.json.message,
    failed("deployments.apps", "uid-gone", "/registry/deployments/default/uid-gone", OTHER, ""),
  )
  // Without a uid it is not found, as upstream's scale may not create.
  const { uid: _, ...meta } = body.metadata
  const none = await apiCall(api, "PUT", `${path}/scale`, { ...body, metadata: meta })
  assert.equal(none.status, 404, none.text)
})

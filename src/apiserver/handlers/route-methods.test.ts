import assert from "node:assert/strict"
import { test } from "node:test"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import type { ApiServer } from "../server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

test("POST to a named object and PUT or PATCH to a collection are 405, as upstream routes them", async () => {
  const cms = "/api/v1/namespaces/default/configmaps"
  const cases: [string, string][] = [
    ["POST", `${cms}/c`],
    ["PUT", cms],
    ["PATCH", cms],
  ]
  for (const [method, path] of cases) {
    const res = await apiCall(
      api,
      method,
      path,
      { metadata: { name: "c" } },
      {
        "content-type": method === "PATCH" ? "application/merge-patch+json" : "application/json",
      },
    )
    assert.equal(res.status, 405, `${method} ${path}`)
    assert.equal(res.json.message, "the server does not allow this method on the requested resource")
  }
  assert.equal((await apiCall(api, "POST", cms, { metadata: { name: "c" } })).status, 201)
})

test("a cluster-scoped resource under a namespaces/{ns}/ prefix is not served, as upstream routes it", async () => {
  const unknown = await apiCall(api, "GET", "/api/v1/foos")
  assert.equal(unknown.status, 404)
  for (const path of [
    "/api/v1/namespaces/default/nodes",
    "/api/v1/namespaces/default/namespaces",
    "/api/v1/namespaces/default/namespaces/default",
    "/apis/rbac.authorization.k8s.io/v1/namespaces/default/clusterroles",
  ]) {
    const res = await apiCall(api, "GET", path)
    assert.equal(res.status, 404, path)
    assert.deepEqual(res.json, unknown.json, path)
  }
  // The namespace itself and its subresources stay served.
  assert.equal((await apiCall(api, "GET", "/api/v1/namespaces/default")).status, 200)
  assert.equal((await apiCall(api, "GET", "/api/v1/namespaces/default/status")).status, 200)
})

test("a watch of a resource that only lists is 405 naming the verb, as upstream's list handler answers", async () => {
  const res = await apiCall(api, "GET", "/api/v1/componentstatuses?watch=true")
  assert.equal(res.status, 405)
  assert.deepEqual(res.json, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: 'watch is not supported on resources of kind "componentstatuses"',
    reason: "MethodNotAllowed",
    details: { kind: "componentstatuses" },
    code: 405,
  })
  assert.equal((await apiCall(api, "GET", "/api/v1/componentstatuses")).status, 200)
})

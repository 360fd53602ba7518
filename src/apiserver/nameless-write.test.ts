import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiServer } from "./server.ts"
import { apiCall, memoryApiServer } from "../testing/index.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

/** Kinds created without being stored (reviews) or named by the request otherwise (bindings). */
const UNSTORED = /reviews$|^bindings$/

describe("a create without a name", () => {
  test("is refused (422, name or generateName is required) by every stored resource", async () => {
    const groups: [string, string][] = [["v1", "/api/v1"]]
    const apis = (await apiCall(api, "GET", "/apis")).json as {
      groups: { preferredVersion: { groupVersion: string } }[]
    }
    for (const g of apis.groups)
      groups.push([g.preferredVersion.groupVersion, `/apis/${g.preferredVersion.groupVersion}`])
    const wrong: string[] = []
    let checked = 0
    for (const [apiVersion, base] of groups) {
      const list = (await apiCall(api, "GET", base)).json as {
        resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[]
      }
      for (const r of list.resources) {
        if (r.name.includes("/") || !r.verbs.includes("create") || UNSTORED.test(r.name)) continue
        const path = r.namespaced ? `${base}/namespaces/default/${r.name}` : `${base}/${r.name}`
        const res = await apiCall(api, "POST", path, { apiVersion, kind: r.kind, metadata: {} })
        checked++
        const message = String(res.json.message ?? "")
        if (res.status !== 422 || !message.includes("name or generateName is required")) {
          wrong.push(`${path}: ${res.status} ${message.slice(0, 120)}`)
        }
      }
    }
    assert.ok(checked > 40, `only ${checked} resources`)
    assert.deepEqual(wrong, [])
  })
})

describe("an update whose object has no name", () => {
  const path = "/api/v1/namespaces/default/configmaps/unnamed"
  const refused = "the name of the object () does not match the name on the URL (unnamed)"

  test("is refused (400, as upstream's name check) by PUT, merge and JSON patches, changing nothing", async () => {
    const made = await apiCall(api, "POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "unnamed" },
      data: { a: "1" },
    })
    assert.equal(made.status, 201)
    const writes: [string, unknown, string?][] = [
      ["PUT", { apiVersion: "v1", kind: "ConfigMap", metadata: {}, data: { a: "2" } }],
      ["PUT", { apiVersion: "v1", kind: "ConfigMap", data: { a: "2" } }],
      ["PATCH", { metadata: { name: null }, data: { a: "2" } }, "application/merge-patch+json"],
      ["PATCH", [{ op: "remove", path: "/metadata/name" }], "application/json-patch+json"],
    ]
    for (const [method, body, contentType] of writes) {
      const res = await apiCall(api, method, path, body, contentType ? { "content-type": contentType } : {})
      assert.equal(res.status, 400, `${method} ${JSON.stringify(body)}: ${JSON.stringify(res.json)}`)
      assert.equal(res.json.reason, "BadRequest")
      assert.equal(res.json.message, refused)
    }
    const now = await apiCall(api, "GET", path)
    assert.equal(now.json.metadata.resourceVersion, made.json.metadata.resourceVersion)
    assert.deepEqual(now.json.data, { a: "1" })
  })

  test("a status PUT without a name is refused too", async () => {
    const made = await apiCall(api, "POST", "/api/v1/namespaces/default/pods", {
      metadata: { name: "unnamed-status" },
      spec: { containers: [{ name: "c", image: "x" }] },
    })
    assert.equal(made.status, 201)
    const body = { ...made.json, metadata: { ...made.json.metadata, name: undefined } }
    const res = await apiCall(api, "PUT", "/api/v1/namespaces/default/pods/unnamed-status/status", body)
    assert.equal(res.status, 400)
    assert.equal(
      res.json.message,
      "the name of the object () does not match the name on the URL (unnamed-status)",
    )
  })
})

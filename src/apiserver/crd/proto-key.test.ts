import assert from "node:assert/strict"
import { before, describe, test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, exampleCrd, memoryApiServer } from "../../testing/index.ts"

const WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"
const MERGE = { "content-type": "application/merge-patch+json" }

describe("a custom resource with a __proto__ key", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))
  before(() => exampleCrd(api, { plural: "widgets", kind: "Widget" }))

  test("keeps it as a key, in its sorted place", async () => {
    const body =
      '{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"default"},' +
      '"spec":{"zeta":1,"__proto__":{"polluted":true},"alpha":2}}'
    const created = await apiCall(api, "POST", WIDGETS, body)
    assert.equal(created.status, 201, created.text)
    const spec = '"spec":{"__proto__":{"polluted":true},"alpha":2,"zeta":1}'
    assert.ok(created.text.includes(spec), created.text)
    const read = await apiCall(api, "GET", `${WIDGETS}/w`)
    assert.ok(read.text.includes(spec), read.text)
    const list = await apiCall(api, "GET", WIDGETS)
    assert.ok(list.text.includes(spec), list.text)
  })

  test("a merge patch sets it as a key, and its manager owns the fields under it", async () => {
    const body = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "m" }, spec: { alpha: 2 } }
    assert.equal((await apiCall(api, "POST", WIDGETS, body)).status, 201)
    const patch = '{"spec":{"__proto__":{"x":1}}}'
    const res = await apiCall(api, "PATCH", `${WIDGETS}/m?fieldManager=patcher`, patch, MERGE)
    assert.equal(res.status, 200, res.text)
    assert.ok(res.text.includes('"spec":{"__proto__":{"x":1},"alpha":2}'), res.text)
    const entry = res.json.metadata.managedFields.find((e: any) => e.manager === "patcher")
    assert.equal(JSON.stringify(entry.fieldsV1), '{"f:spec":{"f:__proto__":{".":{},"f:x":{}}}}')
  })

  test("a strategic merge patch and an apply of a ConfigMap's data keep it as a key", async () => {
    const path = "/api/v1/namespaces/default/configmaps"
    const created = await apiCall(api, "POST", path, { metadata: { name: "proto" }, data: { a: "1" } })
    assert.equal(created.status, 201, created.text)
    const patched = await apiCall(api, "PATCH", `${path}/proto`, '{"data":{"__proto__":"p"}}', {
      "content-type": "application/strategic-merge-patch+json",
    })
    assert.equal(patched.status, 200, patched.text)
    assert.deepEqual(Object.entries(patched.json.data).sort(), [
      ["__proto__", "p"],
      ["a", "1"],
    ])
    const config =
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proto"},"data":{"__proto__":"q"}}'
    const applied = await apiCall(api, "PATCH", `${path}/proto?fieldManager=applier&force=true`, config, {
      "content-type": "application/apply-patch+yaml",
    })
    assert.equal(applied.status, 200, applied.text)
    assert.deepEqual(Object.entries(applied.json.data).sort(), [
      ["__proto__", "q"],
      ["a", "1"],
    ])
  })

  test("a JSON patch adds it as a key, and finds no constructor key the object lacks", async () => {
    const path = "/api/v1/namespaces/default/configmaps"
    const created = await apiCall(api, "POST", path, { metadata: { name: "json-proto" }, data: { a: "1" } })
    assert.equal(created.status, 201, created.text)
    const JSON_PATCH = { "content-type": "application/json-patch+json" }
    const ops =
      '[{"op":"add","path":"/data/__proto__","value":"p"},{"op":"test","path":"/data/toString","value":null}]'
    const patched = await apiCall(api, "PATCH", `${path}/json-proto`, ops, JSON_PATCH)
    assert.equal(patched.status, 200, patched.text)
    assert.deepEqual(Object.entries(patched.json.data).sort(), [
      ["__proto__", "p"],
      ["a", "1"],
    ])
    const removed = await apiCall(
      api,
      "PATCH",
      `${path}/json-proto`,
      '[{"op":"remove","path":"/data/constructor"}]',
      JSON_PATCH,
    )
    assert.equal(removed.status, 422, removed.text)
    assert.equal(removed.json.message, "the server rejected our request due to an error in our request")
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { parse } from "yaml"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"

// Upstream's YAML serializer converts the JSON with sigs.k8s.io/yaml, which sorts every mapping's
// keys; a LIST asked for application/yaml answers the list so, as a GET answers its object.

describe("YAML output", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))
  const path = "/api/v1/namespaces/default/configmaps"
  const YAML = { accept: "application/yaml" }

  test("a GET and a LIST answer YAML, their keys sorted", async () => {
    const body = { metadata: { name: "y", labels: { z: "1", a: "2" } }, data: { k: "v" } }
    const created = await apiCall(api, "POST", path, body)
    assert.equal(created.status, 201, created.text)
    const got = await apiCall(api, "GET", `${path}/y`, undefined, YAML)
    assert.equal(got.headers.get("content-type"), "application/yaml")
    assert.deepEqual(parse(got.text), created.json)
    assert.match(got.text, /^apiVersion: v1\ndata:\n {2}k: v\nkind: ConfigMap\nmetadata:\n/)
    assert.match(got.text, /labels:\n {4}a: "2"\n {4}z: "1"\n/)
    const list = await apiCall(api, "GET", path, undefined, YAML)
    assert.equal(list.status, 200, list.text)
    assert.equal(list.headers.get("content-type"), "application/yaml")
    const json = await apiCall(api, "GET", path)
    assert.deepEqual(parse(list.text), json.json)
    assert.match(list.text, /^apiVersion: v1\nitems:\n- apiVersion: v1\n/)
  })

  test("a watch asked for YAML is a 406: upstream has no YAML stream", async () => {
    const res = await apiCall(api, "GET", `${path}?watch=true`, undefined, YAML)
    assert.equal(res.status, 406, res.text)
    assert.equal(
      res.json.message,
      "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
    )
  })
})

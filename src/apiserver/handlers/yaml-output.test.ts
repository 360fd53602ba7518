import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { parse } from "yaml"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"

// Upstream's YAML serializer converts the JSON with sigs.k8s.io/yaml, which sorts every mapping's
// keys (in go-yaml v2's order); a LIST asked for application/yaml answers the list so, as a GET
// answers its object.

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

  test("keys come in go-yaml's order: runs of digits by value, a non-letter before a letter", async () => {
    const data = { a10: "", a9: "", xY: "", x_y: "", "10": "", "1a": "" }
    const created = await apiCall(api, "POST", path, { metadata: { name: "order" }, data })
    assert.equal(created.status, 201, created.text)
    const got = await apiCall(api, "GET", `${path}/order`, undefined, YAML)
    assert.match(
      got.text,
      /\ndata:\n {2}1a: ""\n {2}"10": ""\n {2}a9: ""\n {2}a10: ""\n {2}x_y: ""\n {2}xY: ""\n/,
    )
  })

  test("no anchors and aliases; strings quoted as go-yaml quotes them", async () => {
    // A created object's FieldsV1 leaves are one shared object: the YAML still spells each out.
    const long = "word ".repeat(30).trim()
    const body = { metadata: { name: "quoted", labels: { a: "yes" } }, data: { on: "0644", long, star: "*" } }
    const created = await apiCall(api, "POST", path, body)
    assert.equal(created.status, 201, created.text)
    const got = await apiCall(api, "GET", `${path}/quoted`, undefined, YAML)
    assert.equal(got.status, 200, got.text)
    assert.doesNotMatch(got.text, /[&*]a\d/)
    assert.match(
      got.text,
      /\n {6}f:data:\n {8}\.: \{\}\n {8}f:long: \{\}\n {8}f:on: \{\}\n {8}f:star: \{\}\n/,
    )
    assert.match(got.text, /\n {2}creationTimestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\n/)
    assert.match(got.text, /\n {4}a: "yes"\n/)
    assert.match(got.text, /\n {2}"on": "0644"\n {2}star: '\*'\n/)
    assert.match(got.text, new RegExp(`\\n {2}long: ${long}\\n`))
    assert.deepEqual(parse(got.text), created.json)
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

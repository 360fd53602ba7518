import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

async function call(method: string, path: string, body: string, contentType = "application/json") {
  const r = await apiCall(api, method, path, body, { "content-type": contentType })
  return { ...r, warning: r.headers.get("warning") }
}

const CMS = "/api/v1/namespaces/default/configmaps"

/** A ConfigMap body with an unknown field and a repeated key. */
function badConfigMap(name: string): string {
  return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","bogus":1},"data":{"a":"1"},"immutable":false,"immutable":false}`
}

describe("fieldValidation", () => {
  test("Strict refuses a create with unknown and duplicate fields (400)", async () => {
    const r = await call("POST", `${CMS}?fieldValidation=Strict`, badConfigMap("s"))
    assert.equal(r.status, 400)
    assert.equal(r.json.reason, "BadRequest")
    assert.equal(
      r.json.message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.bogus", duplicate field "immutable"',
    )
  })

  test("Warn (the default) creates, drops the unknown field and warns for each", async () => {
    const r = await call("POST", CMS, badConfigMap("w"))
    assert.equal(r.status, 201)
    assert.equal(
      r.warning,
      '299 - "unknown field \\"metadata.bogus\\"", 299 - "duplicate field \\"immutable\\""',
    )
    assert.equal("bogus" in r.json.metadata, false)
  })

  test("Ignore creates silently", async () => {
    const r = await call("POST", `${CMS}?fieldValidation=Ignore`, badConfigMap("i"))
    assert.equal(r.status, 201)
    assert.equal(r.warning, null)
    assert.equal("bogus" in r.json.metadata, false)
  })

  test("an unsupported directive is Invalid", async () => {
    const r = await call("POST", `${CMS}?fieldValidation=Loose`, badConfigMap("x"))
    assert.equal(r.status, 422)
    assert.match(
      r.json.message,
      /^CreateOptions\.meta\.k8s\.io "" is invalid: fieldValidation: Unsupported value/,
    )
  })

  test("updates are checked like creates", async () => {
    const cur = await call("POST", CMS, `{"metadata":{"name":"u"},"data":{"a":"1"}}`)
    const next = { ...cur.json, extra: true }
    const strict = await call("PUT", `${CMS}/u?fieldValidation=Strict`, JSON.stringify(next))
    assert.equal(strict.status, 400)
    assert.match(strict.json.message, /unknown field "extra"/)
    const warn = await call("PUT", `${CMS}/u`, JSON.stringify(next))
    assert.equal(warn.status, 200)
    assert.equal(warn.warning, '299 - "unknown field \\"extra\\""')
  })

  test("patches: Strict is Invalid naming the patched object, Warn warns, the field never lands", async () => {
    await call("POST", CMS, `{"metadata":{"name":"p"},"data":{"a":"1"}}`)
    const merge = "application/merge-patch+json"
    const strict = await call("PATCH", `${CMS}/p?fieldValidation=Strict`, `{"data":{"b":"2"},"zzz":1}`, merge)
    assert.equal(strict.status, 422)
    // A merge (or JSON) patch is shown as the object it made, in Go's JSON (keys sorted), as
    // upstream's jsonPatcher shows it; a strategic merge patch as Go's %+v of the patch.
    const shown =
      /^Invalid value: "\{\\"apiVersion\\":\\"v1\\",\\"data\\":\{\\"a\\":\\"1\\",\\"b\\":\\"2\\"\},\\"kind\\":\\"ConfigMap\\",.*\\"zzz\\":1\}": strict decoding error: unknown field "zzz"$/
    assert.match(strict.json.message.replace(' "" is invalid: patch: ', ""), shown)
    assert.equal(strict.json.details.causes.length, 1)
    assert.equal(strict.json.details.causes[0].field, "patch")
    assert.match(strict.json.details.causes[0].message, shown)
    const warn = await call("PATCH", `${CMS}/p`, `{"data":{"b":"2"},"zzz":1}`, merge)
    assert.equal(warn.status, 200)
    assert.equal(warn.warning, '299 - "unknown field \\"zzz\\""')
    assert.equal("zzz" in warn.json, false)
    assert.deepEqual(warn.json.data, { a: "1", b: "2" })
    const json = await call(
      "PATCH",
      `${CMS}/p?fieldValidation=Strict`,
      `[{"op":"add","path":"/yyy","value":1}]`,
      "application/json-patch+json",
    )
    assert.equal(json.status, 422)
    assert.match(json.json.message, /unknown field "yyy"/)
    const repeated = await call("PATCH", `${CMS}/p`, `{"data":{"c":"1","c":"2"}}`, merge)
    assert.equal(repeated.status, 200)
    assert.equal(repeated.warning, '299 - "duplicate field \\"data.c\\""')
  })

  test("YAML bodies: repeated keys are reported by line before unknown fields", async () => {
    const yaml =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yml\ndata:\n  a: '1'\n  a: '2'\nextra: 1\n"
    const strict = await call("POST", `${CMS}?fieldValidation=Strict`, yaml, "application/yaml")
    assert.equal(strict.status, 400)
    assert.equal(
      strict.json.message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 7: key "a" already set in map, unknown field "extra"',
    )
    const warn = await call("POST", CMS, yaml, "application/yaml")
    assert.equal(warn.status, 201)
    assert.equal(
      warn.warning,
      '299 - "line 7: key \\"a\\" already set in map", 299 - "unknown field \\"extra\\""',
    )
    assert.deepEqual(warn.json.data, { a: "2" })
    const bad = await call("POST", CMS, "a: b: c\n", "application/yaml")
    assert.equal(bad.status, 400)
    assert.equal(
      bad.json.message,
      "the object provided is unrecognized (must be of type ConfigMap): yaml: line 1: mapping values are not allowed in this context (613a20623a20630a)",
    )
    const unclosed = await call("PUT", `${CMS}/yml`, "a: [", "application/yaml")
    assert.equal(unclosed.status, 400)
    assert.match(
      unclosed.json.message,
      /^the object provided is unrecognized \(must be of type ConfigMap\): yaml: line 1: /,
    )
  })

  test("YAML bodies are read as upstream's go-yaml reads them: YAML 1.1 booleans and octals", async () => {
    // A pod's file mode written as octal, and yes/no, on/On as booleans, as `kubectl` and
    // upstream's decoder read them; a timestamp and a sexagesimal-looking value stay text.
    const pod = [
      "apiVersion: v1",
      "kind: Pod",
      "metadata:",
      "  name: modes",
      "  annotations: {since: 2001-12-14, at: '1:20', time: 1:20}",
      "spec:",
      "  enableServiceLinks: no",
      "  automountServiceAccountToken: on",
      "  containers: [{name: c, image: busybox, stdin: yes, tty: On}]",
      "  volumes: [{name: v, configMap: {name: cm, defaultMode: 0644}}]",
    ].join("\n")
    const res = await call("POST", "/api/v1/namespaces/default/pods", pod, "application/yaml")
    assert.equal(res.status, 201, res.text)
    assert.equal(res.json.spec.volumes[0].configMap.defaultMode, 0o644)
    assert.equal(res.json.spec.enableServiceLinks, false)
    assert.equal(res.json.spec.automountServiceAccountToken, true)
    assert.equal(res.json.spec.containers[0].stdin, true)
    assert.equal(res.json.spec.containers[0].tty, true)
    assert.deepEqual(res.json.metadata.annotations, { since: "2001-12-14", at: "1:20", time: "1:20" })
    // Of several documents, the first is the body (go-yaml reads no further).
    const docs = await call(
      "POST",
      CMS,
      "metadata: {name: first}\n---\nmetadata: {name: [\n",
      "application/yaml",
    )
    assert.equal(docs.status, 201, docs.text)
    assert.equal(docs.json.metadata.name, "first")
    // `y` is a boolean too: a name written so is not a string, as upstream finds.
    const named = await call("POST", CMS, "metadata: {name: y}\n", "application/yaml")
    assert.equal(named.status, 400)
    assert.match(
      named.json.message,
      /cannot unmarshal bool into Go struct field ObjectMeta\.metadata\.name of type string/,
    )
  })
})

test("a create or update body that is not JSON gets Go's syntax error (400)", async () => {
  for (const method of ["POST", "PUT"]) {
    const r = await call(method, method === "POST" ? CMS : `${CMS}/x`, '{"metadata":{"name":"x"},}')
    assert.equal(r.status, 400)
    assert.equal(
      r.json.message,
      `the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character '}' looking for beginning of object key string ({"metadata":{"name":"x"},})`,
    )
  }
})

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

  test("patches: Strict is Invalid naming the patch, Warn warns, the field never lands", async () => {
    await call("POST", CMS, `{"metadata":{"name":"p"},"data":{"a":"1"}}`)
    const merge = "application/merge-patch+json"
    const strict = await call("PATCH", `${CMS}/p?fieldValidation=Strict`, `{"data":{"b":"2"},"zzz":1}`, merge)
    assert.equal(strict.status, 422)
    assert.equal(
      strict.json.message,
      ' "" is invalid: patch: Invalid value: "map[data:map[b:2] zzz:1]": strict decoding error: unknown field "zzz"',
    )
    assert.deepEqual(strict.json.details.causes, [
      {
        reason: "FieldValueInvalid",
        message: 'Invalid value: "map[data:map[b:2] zzz:1]": strict decoding error: unknown field "zzz"',
        field: "patch",
      },
    ])
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
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  a: '1'\n  a: '2'\nextra: 1\n"
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
    const bad = await call("POST", CMS, "a: [", "application/yaml")
    assert.equal(bad.status, 400)
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

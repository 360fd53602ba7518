import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { FakeClock } from "../../util/index.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import type { ApiServer } from "../server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started), { clock: new FakeClock(Date.UTC(2026, 11, 1)) })

const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
const CMS = "/api/v1/namespaces/default/configmaps"

/** A Deployment's JSON with `replicas` written as given. */
function deployment(name: string, replicas: string): string {
  return `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}"},"spec":{"replicas":${replicas},"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}}}}`
}

describe("JSON numbers and nesting as upstream's decoder reads them", () => {
  test("an integer field written with a fraction or an exponent is 400 naming the field", async () => {
    let n = 0
    for (const literal of ["1.0", "1e3", "1E3", "2.5", "1e400"]) {
      const r = await apiCall(api, "POST", DEPLOYS, deployment(`d${n++}`, literal))
      assert.equal(r.status, 400, literal)
      assert.equal(r.json.reason, "BadRequest")
      assert.equal(
        r.json.message,
        `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number ${literal} into Go struct field DeploymentSpec.spec.replicas of type int32`,
      )
    }
    const ok = await apiCall(api, "POST", DEPLOYS, deployment("ok", "3"))
    assert.equal(ok.status, 201, ok.text)
    const put = await apiCall(
      api,
      "PUT",
      `${DEPLOYS}/ok`,
      deployment("ok", "4.0").replace(
        '"name":"ok"',
        `"name":"ok","resourceVersion":"${ok.json.metadata.resourceVersion}"`,
      ),
    )
    assert.equal(put.status, 400)
    assert.match(
      put.json.message,
      /cannot unmarshal number 4\.0 into Go struct field DeploymentSpec\.spec\.replicas/,
    )
  })

  test("a patch that is not JSON is 400 in Go's words", async () => {
    const merge = await apiCall(api, "PATCH", `${CMS}/f`, `{"data":`, {
      "content-type": "application/merge-patch+json",
    })
    assert.equal(merge.status, 400)
    assert.equal(merge.json.message, "error decoding patch: unexpected end of JSON input")
    const smp = await apiCall(api, "PATCH", `${CMS}/f`, `{"data" 1}`, {
      "content-type": "application/strategic-merge-patch+json",
    })
    assert.equal(smp.status, 400)
    assert.equal(smp.json.message, "invalid character '1' after object key")
  })

  test("such literals in strings and in float fields are left alone", async () => {
    const r = await apiCall(
      api,
      "POST",
      CMS,
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f","annotations":{"v":"1.0e3"}},"data":{"k":"2.5"}}`,
    )
    assert.equal(r.status, 201, r.text)
  })

  test("nesting deeper than 10000 is 400 as Go's scanner words it; 10000 is read", async () => {
    const body = (depth: number) =>
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"binaryData":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`
    const deep = await apiCall(api, "POST", CMS, body(10_001))
    assert.equal(deep.status, 400)
    assert.equal(
      deep.json.message,
      `the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character '[' exceeded max depth ({"apiVersion":"v1","kind":"Con ...)`,
    )
    const deepest = await apiCall(api, "POST", CMS, body(10_000))
    assert.equal(deepest.status, 400)
    assert.equal(
      deepest.json.message,
      `ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.binaryData of type map[string][]uint8`,
    )
    const huge = await apiCall(api, "POST", CMS, body(200_000))
    assert.equal(huge.status, 400)
    for (const type of ["application/merge-patch+json", "application/strategic-merge-patch+json"]) {
      const patch = await apiCall(
        api,
        "PATCH",
        `${CMS}/f`,
        `{"data":${"[".repeat(200_000)}${"]".repeat(200_000)}}`,
        { "content-type": type },
      )
      assert.equal(patch.status, 400, type)
      const prefix = type === "application/strategic-merge-patch+json" ? "" : "error decoding patch: "
      assert.equal(patch.json.message, `${prefix}invalid character '[' exceeded max depth`)
    }
  })
})

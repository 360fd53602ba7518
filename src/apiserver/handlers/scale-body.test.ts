import assert from "node:assert/strict"
import { before, describe, test } from "node:test"
import { FakeClock } from "../../util/index.ts"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"

// A /scale write's body is decoded as the autoscaling/v1 Scale upstream reads it into, so its
// type errors, syntax errors and unknown fields are answered as for any other kind's body.

const SCALE = "/apis/apps/v1/namespaces/default/deployments/d/scale"
const MERGE = { "content-type": "application/merge-patch+json" }

function scale(spec: Record<string, unknown>) {
  return { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { name: "d", namespace: "default" }, spec }
}

describe("the body of a /scale write", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a), { clock: new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0)) })
  // After the server starts: hooks run in the order they are registered.
  before(async () => {
    const dep = {
      metadata: { name: "d" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "d" } },
        template: {
          metadata: { labels: { app: "d" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    }
    const c = await apiCall(api, "POST", "/apis/apps/v1/namespaces/default/deployments", dep)
    assert.equal(c.status, 201, c.text)
  })

  test("a PUT of a Scale whose replicas is not an int32 is refused in the decoder's words", async () => {
    const res = await apiCall(api, "PUT", SCALE, scale({ replicas: "x" }))
    assert.equal(res.status, 400, res.text)
    assert.equal(
      res.json.message,
      'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32',
    )
  })

  test("a PUT of a Scale naming another object, or another namespace, is a 400 that changes nothing", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: "other" }, "the name of the object (other) does not match the name on the URL (d)"],
      [{}, "the name of the object () does not match the name on the URL (d)"],
      [
        { name: "d", namespace: "kube-system" },
        "the namespace of the provided object does not match the namespace sent on the request",
      ],
    ]
    for (const [metadata, message] of cases) {
      const body = { ...scale({ replicas: 7 }), metadata }
      const res = await apiCall(api, "PUT", SCALE, body)
      assert.equal(res.status, 400, res.text)
      assert.equal(res.json.reason, "BadRequest")
      assert.equal(res.json.message, message)
    }
    const got = await apiCall(api, "GET", SCALE)
    assert.equal(got.json.spec.replicas, 1)
    // Without a namespace the Scale is the request's.
    const ok = await apiCall(api, "PUT", SCALE, { ...scale({ replicas: 1 }), metadata: { name: "d" } })
    assert.equal(ok.status, 200, ok.text)
  })

  test("a merge patch that leaves replicas a string is refused as a patch that does not decode", async () => {
    const res = await apiCall(api, "PATCH", SCALE, { spec: { replicas: "x" } }, MERGE)
    assert.equal(res.status, 422, res.text)
    assert.match(
      res.json.message,
      /is invalid: patch: Invalid value: ".*": json: cannot unmarshal string into Go struct field ScaleSpec\.spec\.replicas of type int32$/,
    )
  })

  test("a Scale's unknown fields are warned about, or refused under Strict", async () => {
    const warned = await apiCall(api, "PUT", SCALE, scale({ replicas: 2, foo: 1 }))
    assert.equal(warned.status, 200, warned.text)
    assert.equal(warned.headers.get("warning"), '299 - "unknown field \\"spec.foo\\""')
    const strict = await apiCall(
      api,
      "PUT",
      `${SCALE}?fieldValidation=Strict`,
      scale({ replicas: 2, foo: 1 }),
    )
    assert.equal(strict.status, 400, strict.text)
    assert.equal(
      strict.json.message,
      'Scale in version "v1" cannot be handled as a Scale: strict decoding error: unknown field "spec.foo"',
    )
    const patched = await apiCall(
      api,
      "PATCH",
      `${SCALE}?fieldValidation=Strict`,
      { spec: { replicas: 2, foo: 1 } },
      MERGE,
    )
    assert.equal(patched.status, 422, patched.text)
    // Shown as the Scale it made (upstream's jsonPatcher shows a merge patch so).
    assert.match(
      patched.json.message,
      /^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"autoscaling\/v1\\",\\"kind\\":\\"Scale\\",.*\\"spec\\":\{\\"foo\\":1,\\"replicas\\":2\},.*": strict decoding error: unknown field "spec.foo"$/,
    )
  })

  test("a malformed patch of a Scale is refused in Go's words", async () => {
    const res = await apiCall(api, "PATCH", SCALE, '{"spec":{"replicas":2}', MERGE)
    assert.equal(res.status, 400, res.text)
    assert.equal(res.json.message, "error decoding patch: unexpected end of JSON input")
  })
})

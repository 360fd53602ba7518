import assert from "node:assert/strict"
import { before, describe, test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"

// Upstream's integration test of field validation for merge, JSON and strategic merge patches of
// a typed object (test/integration/apiserver/field_validation_test.go, testFieldValidationPatchTyped
// and testFieldValidationSMP): the same bodies, the errors' endings and the warnings, in order.

const MERGE_PATCH = `{
  "spec": {
    "unknown1": "val1",
    "unknownDupe": "valDupe",
    "unknownDupe": "valDupe2",
    "paused": true,
    "paused": false,
    "template": {
      "spec": {
        "containers": [{
          "name": "nginx",
          "image": "nginx:latest",
          "unknownNested": "val1",
          "imagePullPolicy": "Always",
          "imagePullPolicy": "Never"
        }]
      }
    }
  }
}`
const JSON_PATCH = `[
  {"op": "add", "path": "/spec/unknown1", "value": "val1", "foo":"bar"},
  {"op": "add", "path": "/spec/unknown2", "path": "/spec/unknown3", "value": "val1"},
  {"op": "add", "path": "/spec/unknownDupe", "value": "valDupe"},
  {"op": "add", "path": "/spec/unknownDupe", "value": "valDupe2"},
  {"op": "add", "path": "/spec/paused", "value": true},
  {"op": "add", "path": "/spec/paused", "value": false},
  {"op": "add", "path": "/spec/template/spec/containers/0/unknownNested", "value": "val1"},
  {"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Always"},
  {"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Never"}
]`
const SMP = `{
  "spec": {
    "unknown1": "val1",
    "unknownDupe": "valDupe",
    "unknownDupe": "valDupe2",
    "paused": true,
    "paused": false,
    "selector": { "matchLabels": { "app": "nginx" } },
    "template": {
      "metadata": { "labels": { "app": "nginx" } },
      "spec": {
        "containers": [{
          "name": "nginx",
          "unknownNested": "val1",
          "imagePullPolicy": "Always",
          "imagePullPolicy": "Never"
        }]
      }
    }
  }
}`
const MERGE_FOUND = [
  'duplicate field "spec.unknownDupe"',
  'duplicate field "spec.paused"',
  'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
  'unknown field "spec.template.spec.containers[0].unknownNested"',
  'unknown field "spec.unknown1"',
  'unknown field "spec.unknownDupe"',
]
// The JSON patch's repeated object keys are gone once it applied; its operations' are found.
const JSON_FOUND = [
  'json patch unknown field "[0].foo"',
  'json patch duplicate field "[1].path"',
  'unknown field "spec.template.spec.containers[0].unknownNested"',
  'unknown field "spec.unknown1"',
  'unknown field "spec.unknown3"',
  'unknown field "spec.unknownDupe"',
]

describe("field validation of merge and JSON patches, as upstream's integration test", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))
  const path = "/apis/apps/v1/namespaces/default/deployments"
  before(async () => {
    const body = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "test-deployment-patch-typed" },
      spec: {
        selector: { matchLabels: { app: "nginx" } },
        template: {
          metadata: { labels: { app: "nginx" } },
          spec: { containers: [{ name: "nginx", image: "nginx:latest" }] },
        },
      },
    }
    assert.equal((await apiCall(api, "POST", path, body)).status, 201)
  })

  const cases = [
    { type: "application/merge-patch+json", body: MERGE_PATCH, found: MERGE_FOUND },
    { type: "application/json-patch+json", body: JSON_PATCH, found: JSON_FOUND },
    { type: "application/strategic-merge-patch+json", body: SMP, found: MERGE_FOUND },
  ]
  for (const c of cases) {
    for (const directive of ["Strict", "Warn", "Ignore", ""]) {
      test(`${c.type}, fieldValidation ${directive || "unset"}`, async () => {
        const query = directive ? `?fieldValidation=${directive}` : ""
        const res = await apiCall(api, "PATCH", `${path}/test-deployment-patch-typed${query}`, c.body, {
          "content-type": c.type,
        })
        const warnings = [...(res.headers.get("warning") ?? "").matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map(
          (m) => JSON.parse(`"${m[1]}"`) as string,
        )
        if (directive === "Strict") {
          assert.equal(res.status, 422, res.text)
          const message = res.json.message as string
          assert.ok(message.endsWith(`strict decoding error: ${c.found.join(", ")}`), message)
          // A merge or JSON patch is shown as the object it made (upstream's jsonPatcher), a
          // strategic merge patch as Go's %+v of the patch.
          const shown = c.type.startsWith("application/strategic")
            ? '"map[spec:map['
            : '"{\\"apiVersion\\":\\"apps/v1\\",'
          assert.ok(message.startsWith(` "" is invalid: patch: Invalid value: ${shown}`), message)
          return
        }
        assert.equal(res.status, 200, res.text)
        assert.deepEqual(warnings, directive === "Ignore" ? [] : c.found)
      })
    }
  }
})

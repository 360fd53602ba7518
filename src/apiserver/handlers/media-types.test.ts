import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { FakeClock } from "../../util/index.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import type { ApiServer } from "../server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started), { clock: new FakeClock(Date.UTC(2026, 11, 1)) })

const CMS = "/api/v1/namespaces/default/configmaps"
const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "v" } })
const unknown = (types: string) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: `the body of the request was in an unknown format - accepted media types include: ${types}`,
  reason: "UnsupportedMediaType",
  code: 415,
})
const OBJECT_TYPES = "application/json, application/yaml, application/vnd.kubernetes.protobuf"
const PATCH_TYPES =
  "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"

describe("request bodies of a type upstream does not decode: 415 UnsupportedMediaType", () => {
  test("creates and updates take JSON, YAML or protobuf only", async () => {
    for (const type of ["text/plain", "*/*", "application/merge-patch+json", "application/xml"]) {
      const r = await apiCall(api, "POST", CMS, cm("c1"), { "content-type": type })
      assert.equal(r.status, 415, type)
      assert.deepEqual(r.json, unknown(OBJECT_TYPES))
    }
    const ok = await apiCall(api, "POST", CMS, cm("c1"), {
      "content-type": "application/json; charset=utf-8",
    })
    assert.equal(ok.status, 201, ok.text)
    const put = await apiCall(api, "PUT", `${CMS}/c1`, ok.json, { "content-type": "text/plain" })
    assert.equal(put.status, 415)
    assert.deepEqual(put.json, unknown(OBJECT_TYPES))
  })

  test("a body without a Content-Type is JSON", async () => {
    const res = await api.fetch(
      new Request(`http://k8ts${CMS}`, {
        method: "POST",
        body: new TextEncoder().encode(JSON.stringify(cm("c2"))),
      }),
    )
    assert.equal(res.status, 201, await res.text())
  })

  test("a patch of another type is 415 naming the patch types", async () => {
    for (const type of ["text/plain", "application/json", "application/yaml"]) {
      const r = await apiCall(api, "PATCH", `${CMS}/c1`, { data: { k: "w" } }, { "content-type": type })
      assert.equal(r.status, 415, type)
      assert.deepEqual(r.json, unknown(PATCH_TYPES))
    }
  })

  test("subresource bodies and delete options too", async () => {
    const dep = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
      },
    }
    assert.equal((await apiCall(api, "POST", DEPLOYS, dep)).status, 201)
    const scale = {
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "d" },
      spec: { replicas: 2 },
    }
    const put = await apiCall(api, "PUT", `${DEPLOYS}/d/scale`, scale, { "content-type": "text/plain" })
    assert.equal(put.status, 415)
    assert.deepEqual(put.json, unknown(OBJECT_TYPES))
    const patch = await apiCall(
      api,
      "PATCH",
      `${DEPLOYS}/d/scale`,
      { spec: { replicas: 2 } },
      { "content-type": "text/plain" },
    )
    assert.equal(patch.status, 415)
    assert.deepEqual(patch.json, unknown(PATCH_TYPES))
    const del = await apiCall(
      api,
      "DELETE",
      `${CMS}/c2`,
      { propagationPolicy: "Background" },
      { "content-type": "text/plain" },
    )
    assert.equal(del.status, 415)
    assert.deepEqual(del.json, unknown(OBJECT_TYPES))
  })

  test("custom resources take JSON or YAML, and no strategic merge patch", async () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    }
    assert.equal((await apiCall(api, "POST", CRDS, crd)).status, 201)
    const path = "/apis/example.com/v1/namespaces/default/widgets"
    const w = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }
    let r = await apiCall(api, "POST", path, w, { "content-type": "text/plain" })
    for (let i = 0; i < 200 && r.status === 404; i++) {
      await new Promise((res) => setTimeout(res, 5))
      r = await apiCall(api, "POST", path, w, { "content-type": "text/plain" })
    }
    assert.equal(r.status, 415, r.text)
    assert.deepEqual(r.json, unknown("application/json, application/yaml"))
    assert.equal((await apiCall(api, "POST", path, w)).status, 201)
    const smp = await apiCall(
      api,
      "PATCH",
      `${path}/w`,
      { metadata: { labels: { a: "b" } } },
      {
        "content-type": "application/strategic-merge-patch+json",
      },
    )
    assert.equal(smp.status, 415)
    assert.deepEqual(
      smp.json,
      unknown("application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
    )
  })
})

describe("writes whose response no accepted type fits: 406 before anything is written", () => {
  const NOT_ACCEPTABLE = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `only the following media types are accepted: ${OBJECT_TYPES}`,
    reason: "NotAcceptable",
    code: 406,
  }
  const accept = { accept: "text/html" }

  test("create, update, patch, delete and deletecollection", async () => {
    assert.deepEqual((await apiCall(api, "POST", CMS, cm("na"), accept)).json, NOT_ACCEPTABLE)
    assert.equal((await apiCall(api, "GET", `${CMS}/na`)).status, 404)
    assert.equal(
      (await apiCall(api, "POST", CMS, { ...cm("na"), metadata: { name: "na", labels: { na: "y" } } }))
        .status,
      201,
    )
    const put = await apiCall(api, "PUT", `${CMS}/na`, { ...cm("na"), data: { k: "changed" } }, accept)
    assert.deepEqual(put.json, NOT_ACCEPTABLE)
    const patch = await apiCall(
      api,
      "PATCH",
      `${CMS}/na`,
      { data: { k: "patched" } },
      {
        ...accept,
        "content-type": "application/merge-patch+json",
      },
    )
    assert.deepEqual(patch.json, NOT_ACCEPTABLE)
    assert.equal((await apiCall(api, "GET", `${CMS}/na`)).json.data.k, "v")
    assert.deepEqual((await apiCall(api, "DELETE", `${CMS}/na`, undefined, accept)).json, NOT_ACCEPTABLE)
    assert.deepEqual(
      (await apiCall(api, "DELETE", `${CMS}?labelSelector=na%3Dy`, undefined, accept)).json,
      NOT_ACCEPTABLE,
    )
    assert.equal((await apiCall(api, "GET", `${CMS}/na`)).status, 200)
  })
})

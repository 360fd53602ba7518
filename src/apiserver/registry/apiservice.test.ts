import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import { FakeClock } from "../../util/index.ts"
import type { ApiServer } from "../server.ts"

const APISERVICES = "/apis/apiregistration.k8s.io/v1/apiservices"
const clock = new FakeClock(Date.UTC(2026, 10, 30, 12, 0, 0))
let api: ApiServer
memoryApiServer((a) => (api = a), { clock })

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  apiCall(api, method, path, body, headers)

function metricsApiService(extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: "v1beta1.metrics.k8s.io" },
    spec: {
      service: { name: "metrics-server", namespace: "kube-system" },
      group: "metrics.k8s.io",
      version: "v1beta1",
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
      ...extra,
    },
  }
}

describe("APIService registry", () => {
  test("is served cluster-scoped with its status subresource and the api-extensions category", async () => {
    const res = await call("GET", "/apis/apiregistration.k8s.io/v1")
    assert.equal(res.status, 200)
    const names = res.json.resources.map((r: { name: string }) => r.name)
    assert.deepEqual(names, ["apiservices", "apiservices/status"])
    assert.equal(res.json.resources[0].namespaced, false)
    assert.deepEqual(res.json.resources[0].categories, ["api-extensions"])
    const groups = (await call("GET", "/apis")).json.groups.map((g: { name: string }) => g.name)
    assert.equal(groups[0], "apiregistration.k8s.io")
  })

  test("create defaults the service port to 443 and starts with an empty status", async () => {
    const body = metricsApiService()
    const res = await call("POST", APISERVICES, {
      ...body,
      status: { conditions: [{ type: "Available", status: "True" }] },
    })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.equal(res.json.spec.service.port, 443)
    assert.deepEqual(res.json.status, {})
    assert.equal(res.json.metadata.generation, undefined)
  })

  test("a local APIService is Available with reason Local from its create", async () => {
    const res = await call("POST", APISERVICES, {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name: "v1.example.com" },
      spec: { group: "example.com", version: "v1", groupPriorityMinimum: 1000, versionPriority: 100 },
    })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.deepEqual(res.json.status, {
      conditions: [
        {
          type: "Available",
          status: "True",
          lastTransitionTime: "2026-11-30T12:00:00Z",
          reason: "Local",
          message: "Local APIServices are always available",
        },
      ],
    })
  })

  test("a wrong name is refused with upstream's message", async () => {
    const body = metricsApiService()
    const res = await call("POST", APISERVICES, { ...body, metadata: { name: "metrics" } })
    assert.equal(res.status, 422)
    assert.equal(
      res.json.message,
      'APIService.apiregistration.k8s.io "metrics" is invalid: metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"',
    )
  })

  test("a spec write keeps the status; a status write keeps the spec", async () => {
    const cur = (await call("GET", `${APISERVICES}/v1beta1.metrics.k8s.io`)).json
    const spec = await call("PUT", `${APISERVICES}/v1beta1.metrics.k8s.io`, {
      ...cur,
      spec: { ...cur.spec, versionPriority: 15 },
      status: { conditions: [{ type: "Available", status: "True" }] },
    })
    assert.equal(spec.status, 200, JSON.stringify(spec.json))
    assert.equal(spec.json.spec.versionPriority, 15)
    assert.deepEqual(spec.json.status, {})
    const condition = {
      type: "Available",
      status: "False",
      lastTransitionTime: "2026-11-30T12:00:00Z",
      reason: "ServiceNotFound",
      message: 'service/metrics-server in "kube-system" is not present',
    }
    const status = await call("PUT", `${APISERVICES}/v1beta1.metrics.k8s.io/status`, {
      ...spec.json,
      spec: { ...spec.json.spec, versionPriority: 99 },
      status: { conditions: [condition] },
    })
    assert.equal(status.status, 200, JSON.stringify(status.json))
    assert.equal(status.json.spec.versionPriority, 15)
    assert.deepEqual(status.json.status.conditions, [condition])
    const bad = await call("PUT", `${APISERVICES}/v1beta1.metrics.k8s.io/status`, {
      ...status.json,
      status: { conditions: [{ ...condition, status: "Maybe" }] },
    })
    assert.equal(bad.status, 422)
  })

  test("the table has upstream's columns", async () => {
    const res = await call("GET", APISERVICES, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    })
    assert.equal(res.status, 200)
    assert.deepEqual(
      res.json.columnDefinitions.map((c: { name: string }) => c.name),
      ["Name", "Service", "Available", "Age"],
    )
    const rows = res.json.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 3))
    assert.deepEqual(rows, [
      ["v1.example.com", "Local", "True"],
      ["v1beta1.metrics.k8s.io", "kube-system/metrics-server", "False (ServiceNotFound)"],
    ])
  })

  test("server-side apply knows the type: conditions merge by type, unknown fields are refused", async () => {
    const applied = await call(
      "PATCH",
      `${APISERVICES}/v1.applied.example.com?fieldManager=tester&fieldValidation=Strict`,
      JSON.stringify({
        apiVersion: "apiregistration.k8s.io/v1",
        kind: "APIService",
        metadata: { name: "v1.applied.example.com" },
        spec: {
          group: "applied.example.com",
          version: "v1",
          groupPriorityMinimum: 1000,
          versionPriority: 100,
          service: { namespace: "default", name: "applied" },
        },
      }),
      { "content-type": "application/apply-patch+yaml" },
    )
    assert.equal(applied.status, 201, JSON.stringify(applied.json))
    assert.equal(applied.json.spec.service.port, 443)
    const owned = applied.json.metadata.managedFields[0].fieldsV1
    assert.ok(owned["f:spec"]["f:service"]["f:name"], JSON.stringify(owned))
    const strict = await call("POST", `${APISERVICES}?fieldValidation=Strict`, {
      ...metricsApiService(),
      metadata: { name: "v1beta1.strict.example.com" },
      spec: { ...metricsApiService().spec, group: "strict.example.com", bogus: 1 },
    })
    assert.equal(strict.status, 400, JSON.stringify(strict.json))
    assert.match(strict.json.message, /unknown field "spec.bogus"/)
  })

  test("the OpenAPI v3 document of apiregistration.k8s.io/v1 describes APIService", async () => {
    const index = await call("GET", "/openapi/v3")
    assert.ok(index.json.paths["apis/apiregistration.k8s.io/v1"], Object.keys(index.json.paths).join(", "))
    const doc = await call("GET", "/openapi/v3/apis/apiregistration.k8s.io/v1")
    const schemas = doc.json.components.schemas
    const spec = schemas["io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIServiceSpec"]
    assert.ok(spec?.properties?.groupPriorityMinimum, JSON.stringify(Object.keys(schemas)))
  })
})

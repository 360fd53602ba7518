import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { FakeClock } from "../../util/index.ts"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"

let api: ApiServer
memoryApiServer((started) => (api = started), { clock: new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0)) })

const call = (method: string, path: string, body?: unknown) => apiCall(api, method, path, body, {})

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
const WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"

function widgetCrd(rule: string) {
  return {
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
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  properties: {
                    size: { type: "integer", default: 1, "x-kubernetes-validations": [{ rule }] },
                    note: { type: "string" },
                  },
                },
                status: {
                  type: "object",
                  properties: { size: { type: "integer", "x-kubernetes-validations": [{ rule }] } },
                },
              },
            },
          },
        },
      ],
    },
  }
}

async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await f()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Writes the CRD and waits until its resource serves the new schema. */
async function applyCrd(rule: string): Promise<void> {
  const cur = await call("GET", `${CRDS}/widgets.example.com`)
  const body = widgetCrd(rule)
  const r =
    cur.status === 200
      ? await call("PUT", `${CRDS}/widgets.example.com`, { ...body, metadata: cur.json.metadata })
      : await call("POST", CRDS, body)
  assert.ok(r.status < 300, r.text)
  await until("the resource", async () => ((await call("GET", WIDGETS)).status === 200 ? true : undefined))
}

function widget(name: string, spec: Record<string, unknown>) {
  return { apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, spec }
}

describe("x-kubernetes-validations through the API", () => {
  test("rules run after defaulting, on create, update and status writes", async () => {
    await applyCrd("self < 5")
    const made = await call("POST", WIDGETS, widget("a", {}))
    assert.equal(made.status, 201, made.text)
    assert.equal(made.json.spec.size, 1)
    const big = await call("POST", WIDGETS, widget("b", { size: 7 }))
    assert.equal(big.status, 422)
    assert.equal(
      big.json.message,
      'Widget.example.com "b" is invalid: spec.size: Invalid value: 7: failed rule: self < 5',
    )
    assert.deepEqual(big.json.details.causes, [
      { reason: "FieldValueInvalid", message: "Invalid value: 7: failed rule: self < 5", field: "spec.size" },
    ])
    const status = await call("PUT", `${WIDGETS}/a/status`, { ...made.json, status: { size: 9 } })
    assert.equal(status.status, 422)
    assert.match(status.json.message, /status\.size: Invalid value: 9: failed rule: self < 5/)
  })

  test("a changed rule applies at once; values it fails but an update leaves alone are let through", async () => {
    await applyCrd("self < 5")
    const cur = await call("POST", WIDGETS, widget("c", { size: 3 }))
    assert.equal(cur.status, 201, cur.text)
    await applyCrd("self < 2")
    await until("the new rule", async () => {
      const r = await call("POST", WIDGETS, widget("d", { size: 3 }))
      if (r.status === 201) await call("DELETE", `${WIDGETS}/d`)
      return r.status === 422 ? r : undefined
    })
    const latest = await call("GET", `${WIDGETS}/c`)
    const noted = await call("PUT", `${WIDGETS}/c`, {
      ...latest.json,
      spec: { ...latest.json.spec, note: "x" },
    })
    assert.equal(noted.status, 200, noted.text)
    const grown = await call("PUT", `${WIDGETS}/c`, { ...noted.json, spec: { ...noted.json.spec, size: 4 } })
    assert.equal(grown.status, 422)
    assert.match(grown.json.message, /spec\.size: Invalid value: 4: failed rule: self < 2/)
  })
})

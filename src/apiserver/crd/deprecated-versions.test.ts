import assert from "node:assert/strict"
import { test } from "node:test"
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
} from "kubernetes-types/apiextensions/v1.js"
import { FakeClock } from "../../util/index.ts"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import { defaultDeprecationWarning } from "./resource-table.ts"

let api: ApiServer
memoryApiServer((started) => (api = started), { clock: new FakeClock(Date.UTC(2026, 10, 24, 12, 0, 0)) })

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
const OPEN = { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } }

type Version = Partial<CustomResourceDefinitionVersion> & { name: string }

function widgets(versions: Version[]): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget" },
      versions: versions.map((v) => ({ served: true, storage: false, schema: OPEN, ...v })),
    },
  }
}

async function established(name: string, version: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const r = await apiCall(api, "GET", `/apis/example.com/${version}/namespaces/default/${name}`)
    if (r.status === 200) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`${name} never served at ${version}`)
}

test("the default warning names the newest served, not deprecated version that ranks above", () => {
  const crd = widgets([
    { name: "v1", storage: true },
    { name: "v2beta1" },
    { name: "v3", served: false },
    { name: "v1beta1", deprecated: true },
    { name: "v1alpha1", deprecated: true },
  ])
  assert.equal(
    defaultDeprecationWarning(crd, "v1beta1"),
    "example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget",
  )
  assert.equal(
    defaultDeprecationWarning(crd, "v1alpha1"),
    "example.com/v1alpha1 Widget is deprecated; use example.com/v1 Widget",
  )
  // Nothing served and not deprecated ranks above v1.
  assert.equal(defaultDeprecationWarning(crd, "v1"), "example.com/v1 Widget is deprecated")
})

test("requests to a deprecated CRD version carry its warning; other versions none", async () => {
  const crd = widgets([
    { name: "v1", storage: true },
    { name: "v1beta1", deprecated: true, deprecationWarning: "widgets v1beta1 goes away in 2027" },
    { name: "v1alpha1", deprecated: true },
  ])
  const created = await apiCall(api, "POST", CRDS, crd)
  assert.equal(created.status, 201, created.text)
  await established("widgets", "v1alpha1")

  const custom = '299 - "widgets v1beta1 goes away in 2027"'
  const byDefault = '299 - "example.com/v1alpha1 Widget is deprecated; use example.com/v1 Widget"'
  for (const [version, warning] of [
    ["v1beta1", custom],
    ["v1alpha1", byDefault],
    ["v1", undefined],
  ] as const) {
    const base = `/apis/example.com/${version}/namespaces/default/widgets`
    const name = `w-${version}`
    const body = { apiVersion: `example.com/${version}`, kind: "Widget", metadata: { name } }
    const create = await apiCall(api, "POST", base, body)
    assert.equal(create.status, 201, create.text)
    assert.equal(create.headers.get("warning") ?? undefined, warning, `create ${version}`)
    const get = await apiCall(api, "GET", `${base}/${name}`)
    assert.equal(get.status, 200)
    assert.equal(get.headers.get("warning") ?? undefined, warning, `get ${version}`)
    const list = await apiCall(api, "GET", base)
    assert.equal(list.status, 200)
    assert.equal(list.headers.get("warning") ?? undefined, warning, `list ${version}`)
  }
})

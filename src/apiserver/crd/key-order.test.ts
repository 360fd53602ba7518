import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer, readWatchEvents, until } from "../../testing/index.ts"

// Upstream holds custom resources as Go maps, whose JSON has every object's keys sorted:
// what the client wrote comes back in that order from a create, a read, a list, a watch, a
// status write and a delete that records its deletionTimestamp.

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
const WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"

/** Every object's keys, depth first, as the JSON text has them. */
function keyOrders(text: string): string[][] {
  const out: string[][] = []
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk)
    if (typeof v !== "object" || v === null) return
    out.push(Object.keys(v))
    Object.values(v).forEach(walk)
  }
  walk(JSON.parse(text))
  return out
}

function assertSorted(text: string): void {
  for (const keys of keyOrders(text)) assert.deepEqual(keys, [...keys].sort(), text)
}

describe("the key order of custom resources", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))

  test("every object's keys come back sorted, the resourceVersion's too", async () => {
    const crd = await apiCall(api, "POST", CRDS, {
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "widgets", kind: "Widget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    })
    assert.equal(crd.status, 201, crd.text)
    const body = {
      spec: { zeta: 1, alpha: { y: [{ b: 1, a: 2 }], x: true } },
      metadata: {
        namespace: "default",
        name: "w",
        labels: { z: "1", a: "2" },
        finalizers: ["example.com/keep"],
      },
      kind: "Widget",
      apiVersion: "example.com/v1",
    }
    const created = await until("the Widget created", async () => {
      const r = await apiCall(api, "POST", WIDGETS, body)
      return r.status === 201 && r
    })
    assertSorted(created.text)
    assert.deepEqual(Object.keys(created.json), ["apiVersion", "kind", "metadata", "spec"])
    assert.ok(Object.keys(created.json.metadata).includes("resourceVersion"))
    assertSorted((await apiCall(api, "GET", `${WIDGETS}/w`)).text)
    const [added] = await readWatchEvents(api, `${WIDGETS}?watch=true`, 1)
    assertSorted(JSON.stringify(added?.object))
    const status = await apiCall(
      api,
      "PATCH",
      `${WIDGETS}/w/status`,
      { status: { phase: "Up", count: 2 } },
      { "content-type": "application/merge-patch+json" },
    )
    assert.equal(status.status, 200, status.text)
    assertSorted(status.text)
    // A PUT of what was read back changes nothing, a second later too: the stored (sorted)
    // managedFields entries equal the ones the update records in its own key order.
    await new Promise((r) => setTimeout(r, 1100))
    const same = await apiCall(api, "PUT", `${WIDGETS}/w/status`, status.json)
    assert.equal(same.status, 200, same.text)
    assert.equal(same.json.metadata.resourceVersion, status.json.metadata.resourceVersion, same.text)
    const list = await apiCall(api, "GET", WIDGETS)
    assertSorted(list.text)
    // Upstream's unstructured list writes its continue even when there is none.
    assert.match(
      list.text,
      /^\{"apiVersion":"example.com\/v1","items":\[.*\],"kind":"WidgetList","metadata":\{"continue":"","resourceVersion":"\d+"\}\}$/,
    )
    const deleting = await apiCall(api, "DELETE", `${WIDGETS}/w`)
    assert.equal(deleting.status, 200, deleting.text)
    assert.ok(deleting.json.metadata.deletionTimestamp)
    assertSorted(deleting.text)
    assertSorted((await apiCall(api, "GET", `${WIDGETS}/w`)).text)
  })
})

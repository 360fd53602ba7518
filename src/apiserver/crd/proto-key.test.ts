import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer, until } from "../../testing/index.ts"

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
const WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"

describe("a custom resource with a __proto__ key", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))

  test("keeps it as a key, in its sorted place", async () => {
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
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    })
    assert.equal(crd.status, 201, crd.text)
    const body =
      '{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"default"},' +
      '"spec":{"zeta":1,"__proto__":{"polluted":true},"alpha":2}}'
    const created = await until("the Widget created", async () => {
      const r = await apiCall(api, "POST", WIDGETS, body)
      return r.status === 201 && r
    })
    const spec = '"spec":{"__proto__":{"polluted":true},"alpha":2,"zeta":1}'
    assert.ok(created.text.includes(spec), created.text)
    const read = await apiCall(api, "GET", `${WIDGETS}/w`)
    assert.ok(read.text.includes(spec), read.text)
    const list = await apiCall(api, "GET", WIDGETS)
    assert.ok(list.text.includes(spec), list.text)
  })
})

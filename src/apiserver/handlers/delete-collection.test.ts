import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, exampleCrd, memoryApiServer } from "../../testing/index.ts"

// Upstream's DeleteCollection answers the list it deleted from: the objects as listed (before
// their deletes), in the list's shape, a custom resource's as its unstructured list writes it.

const WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"

describe("DELETE of a collection", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))

  test("a custom resource's answer is upstream's unstructured list of the objects as listed", async () => {
    await exampleCrd(api, { plural: "widgets", kind: "Widget" })
    for (const name of ["a", "b"]) {
      const body = {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name, labels: { set: "one" }, finalizers: ["example.com/keep"] },
        spec: { z: 1, a: 2 },
      }
      assert.equal((await apiCall(api, "POST", WIDGETS, body)).status, 201)
    }
    const res = await apiCall(api, "DELETE", `${WIDGETS}?labelSelector=set%3Done`)
    assert.equal(res.status, 200, res.text)
    assert.match(
      res.text,
      /^\{"apiVersion":"example.com\/v1","items":\[.*\],"kind":"WidgetList","metadata":\{"continue":"","resourceVersion":"\d+"\}\}$/,
    )
    assert.deepEqual(
      res.json.items.map((o: any) => [o.metadata.name, o.metadata.deletionTimestamp, Object.keys(o)]),
      [
        ["a", undefined, ["apiVersion", "kind", "metadata", "spec"]],
        ["b", undefined, ["apiVersion", "kind", "metadata", "spec"]],
      ],
    )
    // They are being deleted (their finalizer holds them).
    const a = await apiCall(api, "GET", `${WIDGETS}/a`)
    assert.ok(a.json.metadata.deletionTimestamp, a.text)
  })

  test("a built-in's answer is its typed list of the objects as listed", async () => {
    const path = "/api/v1/namespaces/default/configmaps"
    const created = await apiCall(api, "POST", path, { metadata: { name: "dc", labels: { set: "dc" } } })
    assert.equal(created.status, 201, created.text)
    const res = await apiCall(api, "DELETE", `${path}?labelSelector=set%3Ddc`)
    assert.equal(res.status, 200, res.text)
    assert.match(
      res.text,
      /^\{"kind":"ConfigMapList","apiVersion":"v1","metadata":\{"resourceVersion":"\d+"\},"items":\[/,
    )
    assert.deepEqual(res.json.items, [created.json])
    assert.equal((await apiCall(api, "GET", `${path}/dc`)).status, 404)
  })

  test("a limit deletes one page of the list and answers it; its continue deletes the next", async () => {
    const path = "/api/v1/namespaces/default/configmaps"
    for (const name of ["lim-a", "lim-b", "lim-c"]) {
      const created = await apiCall(api, "POST", path, { metadata: { name, labels: { set: "lim" } } })
      assert.equal(created.status, 201, created.text)
    }
    const res = await apiCall(api, "DELETE", `${path}?labelSelector=set%3Dlim&limit=2`)
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(
      res.json.items.map((o: any) => o.metadata.name),
      ["lim-a", "lim-b"],
    )
    assert.ok(res.json.metadata.continue, res.text)
    const left = await apiCall(api, "GET", `${path}?labelSelector=set%3Dlim`)
    assert.deepEqual(
      left.json.items.map((o: any) => o.metadata.name),
      ["lim-c"],
    )
    // The continue the answer gave goes on with the rest of that list.
    const token = encodeURIComponent(res.json.metadata.continue)
    const rest = await apiCall(api, "DELETE", `${path}?labelSelector=set%3Dlim&limit=2&continue=${token}`)
    assert.equal(rest.status, 200, rest.text)
    assert.deepEqual(
      rest.json.items.map((o: any) => o.metadata.name),
      ["lim-c"],
    )
    assert.equal(rest.json.metadata.continue, undefined, rest.text)
    const none = await apiCall(api, "GET", `${path}?labelSelector=set%3Dlim`)
    assert.deepEqual(none.json.items, [])
  })

  test("answers in the representation asked: YAML, a Table, PartialObjectMetadataList", async () => {
    const path = "/api/v1/namespaces/default/configmaps"
    const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
    const PARTIAL = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
    const answers: [string, string | null, string][] = []
    for (const accept of ["application/yaml", TABLE, PARTIAL]) {
      const created = await apiCall(api, "POST", path, { metadata: { name: "acc", labels: { set: "acc" } } })
      assert.equal(created.status, 201, created.text)
      const res = await apiCall(api, "DELETE", `${path}?labelSelector=set%3Dacc`, undefined, { accept })
      assert.equal(res.status, 200, res.text)
      answers.push([accept, res.headers.get("content-type"), res.text.split("\n")[0] as string])
      if (accept === TABLE)
        assert.deepEqual(
          res.json.rows.map((row: any) => row.cells[0]),
          ["acc"],
        )
      if (accept === PARTIAL)
        assert.deepEqual(
          res.json.items.map((o: any) => [o.kind, o.metadata.name]),
          [["PartialObjectMetadata", "acc"]],
        )
      assert.equal((await apiCall(api, "GET", `${path}/acc`)).status, 404)
    }
    assert.deepEqual(
      answers.map(([a, type, first]) => [a, type, first.slice(0, 20)]),
      [
        ["application/yaml", "application/yaml", "apiVersion: v1"],
        [TABLE, TABLE, '{"kind":"Table","api'],
        [PARTIAL, "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", '{"kind":"PartialObje'],
      ],
    )
  })
})

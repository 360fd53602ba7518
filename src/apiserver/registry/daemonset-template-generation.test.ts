import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

const PATH = "/apis/apps/v1/namespaces/default/daemonsets"
const ANNOTATION = "deprecated.daemonset.template.generation"

function ds(image: string, annotations?: Record<string, string>) {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", ...(annotations ? { annotations } : {}) },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "c", image }] } },
    },
  }
}

test("a DaemonSet's template generation annotation counts template changes, and clients cannot set it", async () => {
  const made = await apiCall(api, "POST", PATH, ds("a:1"))
  assert.equal(made.status, 201, made.text)
  assert.equal(made.json.metadata.annotations[ANNOTATION], "1")

  const put = async (body: any) => {
    const cur = (await apiCall(api, "GET", `${PATH}/agent`)).json
    const r = await apiCall(api, "PUT", `${PATH}/agent`, {
      ...body,
      metadata: { ...cur.metadata, ...body.metadata },
    })
    assert.equal(r.status, 200, r.text)
    return r.json
  }
  // Not the template: the same generation (and the object's generation counts the spec).
  let got = await put({ ...ds("a:1"), metadata: { labels: { x: "y" } } })
  assert.equal(got.metadata.annotations[ANNOTATION], "1")
  assert.equal(got.metadata.generation, 1)
  got = await put(ds("a:2"))
  assert.equal(got.metadata.annotations[ANNOTATION], "2")
  assert.equal(got.metadata.generation, 2)
  // A client's own value, or none, leaves the server's.
  got = await put({ ...ds("a:2"), metadata: { annotations: { [ANNOTATION]: "7" } } })
  assert.equal(got.metadata.annotations[ANNOTATION], "2")
  got = await put({ ...ds("a:2"), metadata: { annotations: { other: "o" } } })
  assert.deepEqual(got.metadata.annotations, { other: "o", [ANNOTATION]: "2" })
  assert.equal(got.metadata.generation, 2)
  // A create may start it elsewhere, from a positive number.
  await apiCall(api, "DELETE", `${PATH}/agent`)
  const again = await apiCall(api, "POST", PATH, ds("a:1", { [ANNOTATION]: "5" }))
  assert.equal(again.json.metadata.annotations[ANNOTATION], "5")
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { AdmissionPlugin } from "../admission.ts"
import type { ApiServer } from "../server.ts"
import { apiCall, exampleCrd, memoryApiServer } from "../../testing/index.ts"

// Upstream's scale of a custom resource (apiextensions-apiserver's ScaleREST): an object
// without its spec replicas field has no Scale to read (500), and a write of /scale must set
// it (400); a field of another type is an accessor error (500 without a reason).

const GADGETS = "/apis/example.com/v1/namespaces/default/gadgets"
const MERGE = { "content-type": "application/merge-patch+json" }

/** Sets the replicas of the Scale of the Gadget "mutated", as a mutating webhook might. */
const setsReplicas: AdmissionPlugin = {
  name: "SetsReplicas",
  mutate(req) {
    if (req.subresource === "scale" && req.name === "mutated") (req.object as any).spec = { replicas: 4 }
  },
}

describe("the /scale of a custom resource without its spec replicas field", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a), { admission: [setsReplicas] })

  async function gadget(name: string, spec: Record<string, unknown>): Promise<void> {
    // The CRD is made by the first test that needs it; each test makes its own object.
    const scale = { specReplicasPath: ".spec.size", statusReplicasPath: ".status.size" }
    await exampleCrd(api, { plural: "gadgets", kind: "Gadget", scale })
    const body = { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name }, spec }
    const created = await apiCall(api, "POST", GADGETS, body)
    assert.equal(created.status, 201, created.text)
  }

  test("a read is upstream's internal error", async () => {
    await gadget("read", { colour: "red" })
    const res = await apiCall(api, "GET", `${GADGETS}/read/scale`)
    assert.equal(res.status, 500, res.text)
    assert.equal(res.json.reason, "InternalError")
    const message = 'the spec replicas field ".spec.size" does not exist'
    assert.equal(res.json.message, `Internal error occurred: ${message}`)
    assert.deepEqual(res.json.details, { causes: [{ message }] })
  })

  test("a write that sets no replicas is a 400; one that sets them writes the field", async () => {
    await gadget("write", { colour: "red" })
    const scale = `${GADGETS}/write/scale`
    const empty = await apiCall(api, "PATCH", scale, { metadata: { labels: { a: "b" } } }, MERGE)
    assert.equal(empty.status, 400, empty.text)
    assert.equal(empty.json.message, 'the spec replicas field ".spec.size" cannot be empty')
    const set = await apiCall(api, "PATCH", scale, { spec: { replicas: 2 } }, MERGE)
    assert.equal(set.status, 200, set.text)
    assert.equal(set.json.spec.replicas, 2)
    assert.equal((await apiCall(api, "GET", `${GADGETS}/write`)).json.spec.size, 2)
  })

  test("a write whose replicas mutating admission sets is taken: the 400 comes after it", async () => {
    await gadget("mutated", { colour: "red" })
    const res = await apiCall(
      api,
      "PATCH",
      `${GADGETS}/mutated/scale`,
      { metadata: { labels: { a: "b" } } },
      MERGE,
    )
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json.spec.replicas, 4)
    assert.equal((await apiCall(api, "GET", `${GADGETS}/mutated`)).json.spec.size, 4)
  })

  test("a PUT of a Scale sets the field", async () => {
    await gadget("put", {})
    const res = await apiCall(api, "PUT", `${GADGETS}/put/scale`, {
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "put", namespace: "default" },
      spec: { replicas: 3 },
    })
    assert.equal(res.status, 200, res.text)
    assert.equal((await apiCall(api, "GET", `${GADGETS}/put`)).json.spec.size, 3)
  })

  test("a replicas field of another type is upstream's accessor error", async () => {
    await gadget("typed", { size: "two" })
    const res = await apiCall(api, "GET", `${GADGETS}/typed/scale`)
    assert.equal(res.status, 500, res.text)
    assert.equal(res.json.reason, undefined)
    assert.equal(res.json.message, ".spec.size accessor error: two is of the type string, expected int64")
  })
})

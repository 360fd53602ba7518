import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

test("a deleted namespace terminates with a deletionTimestamp and no grace period, as upstream's", async () => {
  assert.equal(
    (await apiCall(api, "POST", "/api/v1/namespaces", { metadata: { name: "going" } })).status,
    201,
  )
  const res = await apiCall(api, "DELETE", "/api/v1/namespaces/going")
  assert.equal(res.status, 200, res.text)
  for (const ns of [res.json, (await apiCall(api, "GET", "/api/v1/namespaces/going")).json]) {
    assert.equal(ns.status.phase, "Terminating")
    assert.ok(ns.metadata.deletionTimestamp)
    assert.equal("deletionGracePeriodSeconds" in ns.metadata, false, JSON.stringify(ns.metadata))
  }
})

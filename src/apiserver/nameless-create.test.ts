import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiServer } from "./server.ts"
import { apiCall, memoryApiServer } from "../testing/index.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

/** Kinds created without being stored (reviews) or named by the request otherwise (bindings). */
const UNSTORED = /reviews$|^bindings$/

describe("a create without a name", () => {
  test("is refused (422, name or generateName is required) by every stored resource", async () => {
    const groups: [string, string][] = [["v1", "/api/v1"]]
    const apis = (await apiCall(api, "GET", "/apis")).json as {
      groups: { preferredVersion: { groupVersion: string } }[]
    }
    for (const g of apis.groups)
      groups.push([g.preferredVersion.groupVersion, `/apis/${g.preferredVersion.groupVersion}`])
    const wrong: string[] = []
    let checked = 0
    for (const [apiVersion, base] of groups) {
      const list = (await apiCall(api, "GET", base)).json as {
        resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[]
      }
      for (const r of list.resources) {
        if (r.name.includes("/") || !r.verbs.includes("create") || UNSTORED.test(r.name)) continue
        const path = r.namespaced ? `${base}/namespaces/default/${r.name}` : `${base}/${r.name}`
        const res = await apiCall(api, "POST", path, { apiVersion, kind: r.kind, metadata: {} })
        checked++
        const message = String(res.json.message ?? "")
        if (res.status !== 422 || !message.includes("name or generateName is required")) {
          wrong.push(`${path}: ${res.status} ${message.slice(0, 120)}`)
        }
      }
    }
    assert.ok(checked > 40, `only ${checked} resources`)
    assert.deepEqual(wrong, [])
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { apiCall, memoryApiServer } from "../testing/index.ts"
import type { ApiServer } from "./server.ts"

const CMS = "/api/v1/namespaces/default/configmaps"

describe("an update's resourceVersion, compared as upstream's versioner compares it", () => {
  let api: ApiServer
  memoryApiServer((a) => (api = a))

  const put = async (rv: (current: string) => string) => {
    const cur = await apiCall(api, "GET", `${CMS}/u`)
    const body = { ...cur.json, data: { n: String(Math.random()) } }
    body.metadata = { ...body.metadata, resourceVersion: rv(cur.json.metadata.resourceVersion) }
    return apiCall(api, "PUT", `${CMS}/u`, body)
  }

  test("as numbers: a leading zero names the same revision; another revision is a 409", async () => {
    assert.equal((await apiCall(api, "POST", CMS, { metadata: { name: "u" } })).status, 201)
    const cases: [string, (current: string) => string, number][] = [
      ["the current one", (c) => c, 200],
      ["with a leading zero", (c) => `0${c}`, 200],
      ["an older one", (c) => String(Number(c) - 1), 409],
      ["one past 2^53", () => "9007199254740993", 409],
    ]
    for (const [name, rv, code] of cases) {
      const r = await put(rv)
      assert.equal(r.status, code, `${name}: ${r.text}`)
      if (code === 409) {
        assert.equal(
          r.json.message,
          'Operation cannot be fulfilled on configmaps "u": the object has been modified; please apply your changes to the latest version and try again',
        )
      }
    }
  })

  test("a malformed one is the versioner's strconv error: 500 without a reason", async () => {
    const cases: [string, string][] = [
      ["abc", 'strconv.ParseUint: parsing "abc": invalid syntax'],
      ["-1", 'strconv.ParseUint: parsing "-1": invalid syntax'],
      ["18446744073709551616", 'strconv.ParseUint: parsing "18446744073709551616": value out of range'],
    ]
    for (const [rv, message] of cases) {
      const r = await put(() => rv)
      assert.equal(r.status, 500, r.text)
      assert.equal(r.json.reason, undefined)
      assert.equal(r.json.message, message)
    }
  })
})

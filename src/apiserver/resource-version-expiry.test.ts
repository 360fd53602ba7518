import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { FakeClock } from "../util/index.ts"
import { apiCall, readWatch } from "../testing/index.ts"
import { createApiServer, type ApiServer } from "./server.ts"

const WINDOW = 5
const PATH = "/api/v1/namespaces/default/configmaps"

/** Reads a watch stream to its end (the server ends it) or until `n` events. */
const watchLines = (api: ApiServer, path: string, n: number): Promise<{ status: number; events: any[] }> =>
  readWatch(api, path, n)

describe("resourceVersions older than the watch cache's window or the store's history", () => {
  let api: ApiServer
  const store = new MemoryStore()
  const ac = new AbortController()
  /** The resourceVersion of each configmap write, in order. */
  const rvs: number[] = []

  before(async () => {
    api = createApiServer({
      store,
      clock: new FakeClock(Date.UTC(2026, 11, 1)),
      watchCacheWindow: WINDOW,
    })
    void api.run(ac.signal)
    await api.ready()
    for (let i = 0; i < 12; i++) {
      const r = await apiCall(api, "POST", PATH, { metadata: { name: `cm-${String(i).padStart(2, "0")}` } })
      assert.equal(r.status, 201, r.text)
      rvs.push(Number(r.json.metadata.resourceVersion))
    }
  })
  after(() => ac.abort())

  test("a watch from before the window gets one 410 Expired ERROR event, then the stream ends", async () => {
    const oldest = (rvs[rvs.length - WINDOW] as number) - 1
    const from = rvs[0] as number
    const { status, events } = await watchLines(api, `${PATH}?watch=true&resourceVersion=${from}`, 10)
    assert.equal(status, 200)
    assert.deepEqual(events, [
      {
        type: "ERROR",
        object: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `too old resource version: ${from} (${oldest})`,
          reason: "Expired",
          code: 410,
        },
      },
    ])
  })

  test("a watch from the window's start replays every event kept", async () => {
    const oldest = (rvs[rvs.length - WINDOW] as number) - 1
    const { events } = await watchLines(api, `${PATH}?watch=true&resourceVersion=${oldest}`, WINDOW)
    assert.deepEqual(
      events.map((e) => [e.type, Number(e.object.metadata.resourceVersion)]),
      rvs.slice(-WINDOW).map((rv) => ["ADDED", rv]),
    )
  })

  test("an exact list at a compacted revision is 410; at a kept one it lists that revision", async () => {
    const exact = await apiCall(api, "GET", `${PATH}?resourceVersion=${rvs[2]}&resourceVersionMatch=Exact`)
    assert.equal(exact.status, 200, exact.text)
    assert.equal(exact.json.items.length, 3)
    assert.equal(exact.json.metadata.resourceVersion, String(rvs[2]))
    await store.compact(rvs[4] as number)
    for (const q of [
      `resourceVersion=${rvs[2]}&resourceVersionMatch=Exact`,
      // A limited list at a resourceVersion without a match is an exact one (upstream's legacy rule).
      `resourceVersion=${rvs[2]}&limit=2`,
    ]) {
      const r = await apiCall(api, "GET", `${PATH}?${q}`)
      assert.equal(r.status, 410, q)
      assert.equal(r.json.reason, "Expired")
      assert.equal(r.json.message, "The resourceVersion for the provided list is too old.")
    }
    // Not older than an old revision: the current list.
    const recent = await apiCall(
      api,
      "GET",
      `${PATH}?resourceVersion=${rvs[2]}&resourceVersionMatch=NotOlderThan`,
    )
    assert.equal(recent.status, 200)
    assert.equal(recent.json.items.length, 12)
  })

  test("a continue token of a compacted revision is 410 with a token that goes on at the latest", async () => {
    const first = await apiCall(api, "GET", `${PATH}?resourceVersion=${rvs[5]}&limit=4`)
    assert.equal(first.status, 200, first.text)
    assert.deepEqual(
      first.json.items.map((o: any) => o.metadata.name),
      ["cm-00", "cm-01", "cm-02", "cm-03", "cm-04", "cm-05"].slice(0, 4),
    )
    await store.compact(rvs[8] as number)
    const expired = await apiCall(api, "GET", `${PATH}?limit=4&continue=${first.json.metadata.continue}`)
    assert.equal(expired.status, 410)
    assert.equal(expired.json.reason, "Expired")
    assert.equal(
      expired.json.message,
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    )
    const token = expired.json.metadata.continue as string
    assert.ok(token)
    const rest = await apiCall(api, "GET", `${PATH}?limit=100&continue=${token}`)
    assert.equal(rest.status, 200, rest.text)
    assert.deepEqual(
      rest.json.items.map((o: any) => o.metadata.name),
      ["cm-04", "cm-05", "cm-06", "cm-07", "cm-08", "cm-09", "cm-10", "cm-11"],
    )
    assert.equal(rest.json.metadata.resourceVersion, String(rvs[11]))
  })

  test("a continue token that is not one is 400 with upstream's message", async () => {
    const bad = Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: 0, start: "x" })).toString("base64url")
    const r = await apiCall(api, "GET", `${PATH}?limit=1&continue=${bad}`)
    assert.equal(r.status, 400)
    assert.equal(r.json.reason, "BadRequest")
    assert.equal(
      r.json.message,
      "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    )
  })

  test("a continue token that is not base64 or JSON is refused in Go's words", async () => {
    const message = async (token: string) =>
      (await apiCall(api, "GET", `${PATH}?limit=1&continue=${encodeURIComponent(token)}`)).json.message
    const prefix = "invalid continue token: continue key is not valid: "
    // base64.RawURLEncoding: a lone last character, a byte outside the alphabet, padding.
    assert.equal(await message("bogus"), `${prefix}illegal base64 data at input byte 4`)
    assert.equal(await message("ab+c"), `${prefix}illegal base64 data at input byte 2`)
    assert.equal(await message("YWI="), `${prefix}illegal base64 data at input byte 3`)
    // Decodes, but is not JSON ("nope") or not an object (5).
    assert.equal(
      await message(Buffer.from("nope").toString("base64url")),
      `${prefix}invalid character 'o' in literal null (expecting 'u')`,
    )
    assert.equal(
      await message(Buffer.from("5").toString("base64url")),
      `${prefix}json: cannot unmarshal number into Go value of type storage.continueToken`,
    )
    // Go's scanner reads bytes: "garbage" decodes to 0x81 first, quoted as that byte's character.
    assert.equal(
      await message("garbage"),
      `${prefix}invalid character '\\u0081' looking for beginning of value`,
    )
  })

  test("a continue token whose start key is not a clean path is refused, as upstream's", async () => {
    const token = (start: string) =>
      Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: 5, start })).toString("base64url")
    for (const start of ["../x", "default/../../x", "a//b", "a/", "./a"]) {
      const r = await apiCall(api, "GET", `${PATH}?limit=1&continue=${token(start)}`)
      assert.equal(r.status, 400, start)
      assert.equal(r.json.message, `invalid continue token: continue key is not valid: ${start}`)
    }
  })
})

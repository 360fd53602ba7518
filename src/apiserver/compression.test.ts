/** Response compression over HTTP, as upstream's (see compression.ts). */
import assert from "node:assert/strict"
import { request } from "node:http"
import { after, before, describe, test } from "node:test"
import { gunzipSync } from "node:zlib"
import { MemoryStore } from "../storage/index.ts"
import { acceptsGzip } from "./compression.ts"
import { listen, type Listening } from "./listen.ts"
import { createApiServer } from "./server.ts"

const CMS = "/api/v1/namespaces/default/configmaps"

/** One request; the raw body bytes as they came (not decoded) and the headers. */
function get(
  srv: Listening,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${srv.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      )
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end()
  })
}

test("Accept-Encoding names gzip when one of its tokens is exactly gzip", () => {
  const cases: [string | undefined, boolean][] = [
    ["gzip", true],
    ["deflate, gzip", true],
    [" gzip ,br", true],
    ["gzip;q=1.0", false],
    ["x-gzip", false],
    ["identity", false],
    ["", false],
    [undefined, false],
  ]
  for (const [header, want] of cases) assert.equal(acceptsGzip(header), want, String(header))
})

describe("responses past 128 KiB are gzip-encoded for a client that accepts it", () => {
  const store = new MemoryStore()
  const ac = new AbortController()
  let srv: Listening

  before(async () => {
    const api = createApiServer({ store })
    void api.run(ac.signal)
    await api.ready()
    srv = await listen(api, { host: "127.0.0.1", port: 0 })
    // 40 ConfigMaps of 4 KB each: a list of ~170 KB.
    const data = { v: "x".repeat(4096) }
    for (let i = 0; i < 40; i++) {
      const body = JSON.stringify({ metadata: { name: `cm-${i}` }, data })
      await new Promise<void>((resolve, reject) => {
        const req = request(`${srv.url}${CMS}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
        })
        req.on("response", (res) =>
          res.statusCode === 201 ? resolve() : reject(new Error(`${res.statusCode}`)),
        )
        req.on("error", reject)
        req.end(body)
      })
    }
  })
  after(async () => {
    ac.abort()
    await srv.close()
  })

  test("a large list: gzip, no length, Vary; its bytes decode to the list sent to others", async () => {
    const plain = await get(srv, CMS)
    assert.equal(plain.headers["content-encoding"], undefined)
    assert.ok(plain.body.length > 128 * 1024, String(plain.body.length))
    const gz = await get(srv, CMS, { "accept-encoding": "gzip, deflate" })
    assert.equal(gz.status, 200)
    assert.equal(gz.headers["content-encoding"], "gzip")
    assert.equal(gz.headers.vary, "Accept-Encoding")
    assert.equal(gz.headers["content-length"], undefined)
    assert.equal(gz.headers["content-type"], "application/json")
    assert.ok(gz.body.length < plain.body.length / 10, `${gz.body.length} of ${plain.body.length}`)
    assert.deepEqual(
      JSON.parse(gunzipSync(gz.body).toString("utf8")),
      JSON.parse(plain.body.toString("utf8")),
    )
  })

  test("a small answer, a client that does not ask and a watch pass as they are", async () => {
    const one = await get(srv, `${CMS}/cm-1`, { "accept-encoding": "gzip" })
    assert.equal(one.headers["content-encoding"], undefined)
    assert.equal(JSON.parse(one.body.toString("utf8")).metadata.name, "cm-1")
    const paramed = await get(srv, CMS, { "accept-encoding": "gzip;q=1" })
    assert.equal(paramed.headers["content-encoding"], undefined)
    const watch = await get(srv, `${CMS}?watch=1&timeoutSeconds=1`, { "accept-encoding": "gzip" })
    assert.equal(watch.headers["content-encoding"], undefined)
    assert.equal(watch.body.toString("utf8").trim().split("\n").length, 40)
  })
})

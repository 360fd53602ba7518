import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { MemoryStore } from "../../storage/index.ts"
import { createApiServer, type ApiServer } from "../server.ts"

let api: ApiServer
const ac = new AbortController()

before(async () => {
  api = createApiServer({ store: new MemoryStore() })
  void api.run(ac.signal)
  await api.ready()
})
after(() => ac.abort())

function get(path: string, headers: Record<string, string> = {}) {
  return api.fetch(new Request(`http://k8ts${path}`, { headers, redirect: "manual" }))
}

describe("/openapi", () => {
  test("the v3 index is JSON with an ETag and is not cached", async () => {
    const res = await get("/openapi/v3")
    assert.equal(res.status, 200)
    assert.equal(res.headers.get("content-type"), "application/json")
    assert.equal(res.headers.get("cache-control"), "no-cache, private")
    const etag = res.headers.get("etag") ?? ""
    assert.match(etag, /^"[0-9A-F]{128}"$/)
    const index = (await res.json()) as { paths: Record<string, { serverRelativeURL: string }> }
    assert.match(
      index.paths["apis/apps/v1"]?.serverRelativeURL ?? "",
      /^\/openapi\/v3\/apis\/apps\/v1\?hash=/,
    )
    assert.equal((await get("/openapi/v3", { "if-none-match": etag })).status, 304)
  })

  test("a document asked for by its hash is immutable; a stale hash redirects to the current one", async () => {
    const index = (await (await get("/openapi/v3")).json()) as {
      paths: Record<string, { serverRelativeURL: string }>
    }
    const url = index.paths["api/v1"]?.serverRelativeURL as string
    const res = await get(url, { accept: "application/json" })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get("cache-control"), "public, immutable")
    assert.ok(res.headers.get("expires"))
    assert.equal(res.headers.get("etag"), `"${url.split("hash=")[1]}"`)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> }
    assert.equal(doc.openapi, "3.0.0")
    assert.ok(doc.paths["/api/v1/namespaces/{namespace}/pods/{name}"])

    const stale = await get("/openapi/v3/api/v1?hash=0123")
    assert.equal(stale.status, 301)
    assert.equal(stale.headers.get("location"), url)

    const plain = await get("/openapi/v3/api/v1")
    assert.equal(plain.status, 200)
    assert.equal(plain.headers.get("cache-control"), "no-cache, private")
  })

  test("unknown group versions are 404, protobuf-only clients 406", async () => {
    assert.equal((await get("/openapi/v3/apis/nope/v1")).status, 404)
    const pb = await get("/openapi/v3/apis/apps/v1", {
      accept: "application/com.github.proto-openapi.spec.v3.v1.0+protobuf",
    })
    assert.equal(pb.status, 406)
  })

  test("v2 is served as JSON and refused as protobuf alone", async () => {
    const res = await get("/openapi/v2", { accept: "application/json" })
    assert.equal(res.status, 200)
    const doc = (await res.json()) as { swagger: string }
    assert.equal(doc.swagger, "2.0")
    const pb = await get("/openapi/v2", {
      accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
    })
    assert.equal(pb.status, 406)
    assert.equal(((await pb.json()) as { reason: string }).reason, "NotAcceptable")
  })
})

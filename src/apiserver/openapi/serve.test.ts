import assert from "node:assert/strict"
import { describe, test } from "node:test"
import protobuf from "protobufjs"
import { memoryApiServer } from "../../testing/index.ts"
import type { ApiServer } from "../server.ts"

let api: ApiServer
memoryApiServer((started) => (api = started))

/** Field 1 (`swagger`) of an encoded openapi.v2.Document. */
function swaggerField(body: Buffer): string | undefined {
  const r = protobuf.Reader.create(body)
  let swagger: string | undefined
  while (r.pos < r.len) {
    const tag = r.uint32()
    if (tag >>> 3 === 1) swagger = r.string()
    else r.skipType(tag & 7)
  }
  return swagger
}

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

  test("v2 is served as JSON by default and to JSON clients", async () => {
    for (const accept of [undefined, "application/json", "*/*", "application/json, */*"]) {
      const res = await get("/openapi/v2", accept ? { accept } : {})
      assert.equal(res.status, 200, accept)
      assert.equal(res.headers.get("content-type"), "application/json")
      assert.equal(res.headers.get("vary"), "Accept")
      const doc = (await res.json()) as { swagger: string }
      assert.equal(doc.swagger, "2.0")
    }
  })

  test("v2 is served in protobuf under either name, with the JSON's ETag, and 304 when unchanged", async () => {
    const json = await get("/openapi/v2", { accept: "application/json" })
    const etag = json.headers.get("etag") ?? ""
    assert.match(etag, /^"[0-9A-F]{128}"$/)
    for (const accept of [
      "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
      "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
      "application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
    ]) {
      const res = await get("/openapi/v2", { accept })
      assert.equal(res.status, 200, accept)
      assert.equal(
        res.headers.get("content-type"),
        "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
      )
      assert.equal(res.headers.get("etag"), etag)
      assert.equal(res.headers.get("vary"), "Accept")
      assert.equal(res.headers.get("cache-control"), "no-cache, private")
      const body = Buffer.from(await res.arrayBuffer())
      assert.equal(swaggerField(body), "2.0")
      const again = await get("/openapi/v2", { accept, "if-none-match": `"other", ${etag}` })
      assert.equal(again.status, 304)
      assert.equal(await again.text(), "")
    }
  })

  test("v2 is refused to clients that take neither JSON nor its protobuf", async () => {
    const res = await get("/openapi/v2", { accept: "application/vnd.kubernetes.protobuf" })
    assert.equal(res.status, 406)
    assert.equal(((await res.json()) as { reason: string }).reason, "NotAcceptable")
  })
})

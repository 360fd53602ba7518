import assert from "node:assert/strict"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { after, before, describe, test } from "node:test"
import { gzipSync } from "node:zlib"
import { ConfigMaps, Namespaces } from "../api/index.ts"
import { startClientEnv, type ClientEnv } from "../testing/index.ts"
import { describeClient, rejectsWith } from "./client.case.ts"
import { HttpClient } from "./http-client.ts"

describeClient("HttpClient", (env) => env.http)

describe("HttpClient over HTTPS", () => {
  let env: ClientEnv
  const clients: HttpClient[] = []
  function connect(opts: Omit<ConstructorParameters<typeof HttpClient>[0], "server">): HttpClient {
    const c = new HttpClient({ server: env.url, ...opts })
    clients.push(c)
    return c
  }
  before(async () => {
    env = await startClientEnv({ tls: true })
  })
  after(async () => {
    for (const c of clients) c.close()
    await env.stop()
  })

  test("a bearer token and the cluster CA authenticate the client", async () => {
    const c = connect({ ca: env.pki!.ca.cert, token: env.token! })
    const list = await c.resource(Namespaces).list()
    assert.ok(list.items.some((n) => n.metadata?.name === "default"))
  })

  test("a client certificate authenticates the client", async () => {
    const c = connect({ ca: env.pki!.ca.cert, cert: env.pki!.admin.cert, key: env.pki!.admin.key })
    await c.resource(Namespaces).get({ name: "default" })
  })

  test("no credentials is ApiError Unauthorized", async () => {
    const c = connect({ ca: env.pki!.ca.cert })
    const err = await rejectsWith(c.resource(Namespaces).get({ name: "default" }), "Unauthorized")
    assert.equal(err.code, 401)
  })

  test("an unknown CA fails the TLS handshake unless insecure", async () => {
    await assert.rejects(connect({ token: env.token! }).resource(Namespaces).get({ name: "default" }))
    await connect({ insecure: true, token: env.token! }).resource(Namespaces).get({ name: "default" })
  })

  test("the in-process client sends its token to an authenticating server", async () => {
    await env.inProcess.resource(Namespaces).get({ name: "default" })
  })
})

test("HttpClient() refuses a URL that is not http or https", () => {
  assert.throws(() => new HttpClient({ server: "ftp://example.com" }), TypeError)
})

test("HttpClient asks for gzip and decodes a gzip-encoded answer", async () => {
  const list = {
    kind: "ConfigMapList",
    apiVersion: "v1",
    metadata: { resourceVersion: "7" },
    items: Array.from({ length: 40 }, (_, i) => ({
      metadata: { name: `cm-${i}` },
      data: { v: "x".repeat(4096) },
    })),
  }
  const asked: (string | undefined)[] = []
  const server = createServer((req, res) => {
    asked.push(req.headers["accept-encoding"])
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
    res.end(gzipSync(JSON.stringify(list)))
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const c = new HttpClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
  try {
    const got = await c.resource(ConfigMaps).list({ namespace: "default" })
    assert.deepEqual(asked, ["gzip"])
    assert.equal(got.items.length, 40)
    assert.equal(got.items[39]?.data?.v, "x".repeat(4096))
  } finally {
    c.close()
    server.close()
  }
})

import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import { Namespaces } from "../api/index.ts"
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

/**
 * Serving over node:http: what node's server hands over outside its request event, and requests
 * read in one turn handled together, each on its own (see listen).
 */
import assert from "node:assert/strict"
import { Agent, request } from "node:http"
import { connect } from "node:net"
import { after, before, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { runApiServer } from "../testing/index.ts"
import type { ApiRequest, ApiResponse } from "./http.ts"
import { listen, type Listening } from "./listen.ts"
import type { ApiServer } from "./server.ts"

let stop = () => {}
let srv: Listening

before(async () => {
  const running = await runApiServer(new MemoryStore())
  stop = running.stop
  srv = await listen(running.api, { host: "127.0.0.1", port: 0 })
})
after(async () => {
  stop()
  await srv.close()
})

test("a CONNECT is answered 405 with a Status, as any method a path has no route for", async () => {
  const s = connect(srv.port, "127.0.0.1")
  s.write("CONNECT /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\n\r\n")
  let text = ""
  for await (const c of s) text += (c as Buffer).toString("utf8")
  assert.match(text, /^HTTP\/1\.1 405 /)
  const status = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))
  assert.equal(status.reason, "MethodNotAllowed")
  assert.equal(status.code, 405)
})

/** What the server answers `raw`, read until it closes the connection. */
async function answer(raw: string): Promise<string> {
  const s = connect(srv.port, "127.0.0.1")
  s.write(raw)
  let text = ""
  for await (const c of s) text += (c as Buffer).toString("utf8")
  return text
}

test("a method node has no name for is answered 405 with a Status, as Go's server and any other method", async () => {
  for (const method of ["FOO", "PROPFIND2", "get"]) {
    const text = await answer(`${method} /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\n\r\n`)
    assert.match(text, /^HTTP\/1\.1 405 /, method)
    const status = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))
    assert.equal(status.kind, "Status")
    assert.equal(status.reason, "MethodNotAllowed")
    assert.equal(status.code, 405)
  }
})

test("requests node's parser refuses for other reasons keep node's answers", async () => {
  // Not a request line (a TLS handshake's first bytes to a plain HTTP port).
  assert.match(
    await answer("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
    /^HTTP\/1\.1 400 Bad Request\r\n/,
  )
  assert.match(
    await answer("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"),
    /^HTTP\/1\.1 400 Bad Request\r\n/,
  )
  const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`
  assert.match(await answer(big), /^HTTP\/1\.1 431 /)
})

/** GET `path` on a connection of its own: status and body. */
function get(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: new Agent({ keepAlive: false }) }, (res) => {
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (c: string) => (body += c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end()
  })
}

test("a handler that throws fails its own request only, among requests handled together", async () => {
  const handled: string[] = []
  const api = {
    handle(req: ApiRequest): Promise<ApiResponse> {
      handled.push(req.path)
      if (req.path === "/throws") throw new Error("the handler failed before its promise")
      if (req.path === "/rejects") return Promise.reject(new Error("the handler's promise failed"))
      return Promise.resolve({ status: 200, headers: { "content-type": "text/plain" }, body: req.path })
    },
  } as unknown as ApiServer
  const own = await listen(api, { host: "127.0.0.1", port: 0 })
  try {
    const paths = ["/a", "/throws", "/b", "/rejects", "/c", "/throws", "/d"]
    const answers = await Promise.all(paths.map((p) => get(own.url, p)))
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 500, 200, 500, 200, 500, 200],
    )
    assert.deepEqual(
      answers.filter((a) => a.status === 200).map((a) => a.body),
      ["/a", "/b", "/c", "/d"],
    )
    assert.deepEqual([...handled].sort(), [...paths].sort())
    // The server still serves after the failures.
    assert.deepEqual(await get(own.url, "/e"), { status: 200, body: "/e" })
  } finally {
    await own.close()
  }
})

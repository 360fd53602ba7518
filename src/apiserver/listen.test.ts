/** Serving over node:http: what node's server hands over outside its request event. */
import assert from "node:assert/strict"
import { connect } from "node:net"
import { after, before, test } from "node:test"
import { MemoryStore } from "../storage/index.ts"
import { listen, type Listening } from "./listen.ts"
import { createApiServer } from "./server.ts"

const ac = new AbortController()
let srv: Listening

before(async () => {
  const api = createApiServer({ store: new MemoryStore() })
  void api.run(ac.signal)
  await api.ready()
  srv = await listen(api, { host: "127.0.0.1", port: 0 })
})
after(async () => {
  ac.abort()
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

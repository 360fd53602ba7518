import assert from "node:assert/strict"
import { createServer, IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { connect, Socket } from "node:net"
import { test } from "node:test"
import { fromNode, toNode } from "./http.ts"

/** The raw bytes of a response from a server answering with `toNode(response)`: its frames. */
async function rawResponse(stream: AsyncIterable<string | Buffer>): Promise<string> {
  const server = createServer((_req, res) => void toNode({ status: 200, headers: {}, stream }, res))
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const port = (server.address() as AddressInfo).port
  const s = connect(port, "127.0.0.1")
  s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
  let text = ""
  for await (const c of s) text += (c as Buffer).toString("latin1")
  server.close()
  return text.slice(text.indexOf("\r\n\r\n") + 4)
}

test("a stream's chunks of one turn leave as one chunk; a later turn's as the next", async () => {
  const queued: (string | Buffer)[] = []
  let n = 0
  const it = {
    async next(): Promise<IteratorResult<string | Buffer>> {
      n++
      if (n === 1) {
        // Two more wait behind the first, as a watch's events of one commit do.
        queued.push("b\n", Buffer.from("c\n"))
        return { done: false, value: "a\n" }
      }
      if (n === 2) {
        await new Promise((r) => setTimeout(r, 20))
        return { done: false, value: Buffer.from("d\n") }
      }
      return { done: true, value: undefined }
    },
    takeAll: () => queued.splice(0),
    [Symbol.asyncIterator]() {
      return this
    },
  }
  assert.equal(await rawResponse(it), "6\r\na\nb\nc\n\r\n2\r\nd\n\r\n0\r\n\r\n")
})

test("a stream without takeAll still joins what comes in one turn", async () => {
  async function* lines() {
    yield "x\n"
    yield "y\n"
    await new Promise((r) => setTimeout(r, 20))
    yield "z\n"
  }
  assert.equal(await rawResponse(lines()), "4\r\nx\ny\n\r\n2\r\nz\n\r\n0\r\n\r\n")
})

test("the body of a request destroyed before it was asked for is refused, not waited for", async () => {
  const req = new IncomingMessage(new Socket())
  const res = new ServerResponse(req)
  req.destroy()
  await assert.rejects(fromNode(req, res).body(), /aborted before its body was read/)
})

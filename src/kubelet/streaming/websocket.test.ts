import assert from "node:assert/strict"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"
import { test } from "node:test"
import WebSocket from "ws"
import { acceptWebSocket, decodeFrames, encodeFrame, offeredProtocols } from "./websocket.ts"

function masked(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = Buffer.from([1, 2, 3, 4])
  const body = Buffer.from(payload.map((b, i) => b ^ (mask[i & 3] as number)))
  const len = payload.length
  const head =
    len < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len])
      : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 0xff])
  return Buffer.concat([head, mask, body])
}

test("decodeFrames() unmasks client frames and keeps an incomplete one for later", () => {
  const whole = Buffer.concat([masked(2, Buffer.from("hello")), masked(1, Buffer.alloc(300, 7))])
  const first = decodeFrames(whole.subarray(0, 20))
  assert.equal(first.frames.length, 1)
  assert.equal(first.need, 2 + 2 + 4 + 300, "the whole second frame")
  assert.equal(first.frames[0]?.payload.toString(), "hello")
  const rest = decodeFrames(Buffer.concat([first.rest, whole.subarray(20)]))
  assert.equal(rest.frames.length, 1)
  assert.deepEqual(rest.frames[0]?.payload, Buffer.alloc(300, 7))
  assert.equal(rest.rest.length, 0)
})

for (const len of [0, 125, 126, 65535, 65536]) {
  test(`encodeFrame() round-trips a ${len}-byte payload`, () => {
    const payload = Buffer.alloc(len, 9)
    const { frames, rest } = decodeFrames(encodeFrame(2, payload))
    assert.equal(rest.length, 0)
    assert.deepEqual(frames, [{ fin: true, opcode: 2, payload }])
  })
}

test("offeredProtocols() keeps names that are not RFC 6455 tokens", () => {
  const req = { headers: { "sec-websocket-protocol": "SPDY/3.1+portforward.k8s.io, v5.channel.k8s.io" } }
  assert.deepEqual(offeredProtocols(req as unknown as IncomingMessage), [
    "SPDY/3.1+portforward.k8s.io",
    "v5.channel.k8s.io",
  ])
})

test("ServerWebSocket answers the handshake, reassembles fragments, answers pings and closes", async () => {
  const server = createServer()
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const ws = acceptWebSocket(req, socket, { head, protocol: "v5.channel.k8s.io" })
    ws.on("message", (m) => {
      ws.send(Buffer.concat([Buffer.from("echo:"), m]))
      if (m.toString() === "bye") ws.close(1000)
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  const port = (server.address() as AddressInfo).port
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, ["v5.channel.k8s.io"])
  const got: string[] = []
  let pong = false
  client.on("message", (d) => got.push(String(d)))
  client.on("pong", () => (pong = true))
  await new Promise((r) => client.once("open", r))
  assert.equal(client.protocol, "v5.channel.k8s.io")
  client.ping()
  client.send(Buffer.from("ab"), { fin: false })
  client.send(Buffer.from("cd"), { fin: true })
  client.send(Buffer.from("bye"))
  const code = await new Promise<number>((r) => client.once("close", r))
  assert.equal(code, 1000)
  assert.deepEqual(got, ["echo:abcd", "echo:bye"])
  assert.ok(pong)
  server.close()
})

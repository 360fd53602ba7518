import assert from "node:assert/strict"
import { once } from "node:events"
import { connect, createServer, type AddressInfo, type Socket } from "node:net"
import { test } from "node:test"
import { constants, createDeflate, type Deflate, inflateSync } from "node:zlib"
import {
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  SpdyConnection,
  type SpdyStream,
  storedBlocks,
} from "./spdy.ts"
import { SPDY_DICTIONARY } from "./spdy-dictionary.ts"

test("SPDY_DICTIONARY is the 1423 bytes of the SPDY/3 draft", () => {
  assert.equal(SPDY_DICTIONARY.length, 1423)
  assert.equal(SPDY_DICTIONARY.subarray(0, 11).toString("latin1"), "\0\0\0\x07options")
  assert.ok(SPDY_DICTIONARY.toString("latin1").endsWith(",*,enq=0."))
})

test("encodeHeaderBlock() and decodeHeaderBlock() round-trip, lower-casing names", () => {
  const block = encodeHeaderBlock({ StreamType: "data", port: "80", requestid: "0" })
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: "data", port: "80", requestid: "0" })
})

test("storedBlocks() continue one zlib stream that a dictionary inflater reads", () => {
  const a = storedBlocks(encodeHeaderBlock({}), true)
  const b = storedBlocks(encodeHeaderBlock({ x: "y" }), false)
  const out = inflateSync(Buffer.concat([a, b]), {
    dictionary: SPDY_DICTIONARY,
    finishFlush: constants.Z_SYNC_FLUSH,
  })
  assert.deepEqual(out, Buffer.concat([encodeHeaderBlock({}), encodeHeaderBlock({ x: "y" })]))
})

/** The client's half: compressed SYN_STREAMs, as spdystream sends them. */
function deflateBlock(z: Deflate, data: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const out: Buffer[] = []
    const onData = (d: Buffer) => out.push(d)
    z.on("data", onData)
    z.write(data)
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off("data", onData)
      resolve(Buffer.concat(out))
    })
  })
}

async function synStream(z: Deflate, id: number, headers: Record<string, string>): Promise<Buffer> {
  const head = Buffer.alloc(10)
  head.writeUInt32BE(id, 0)
  return controlFrame(1, 0, Buffer.concat([head, await deflateBlock(z, encodeHeaderBlock(headers))]))
}

/** Reads whole frames from the server. */
function frames(socket: Socket): { next(): Promise<Buffer> } {
  let buf = Buffer.alloc(0)
  const queue: Buffer[] = []
  const waiting: ((f: Buffer) => void)[] = []
  socket.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d])
    while (buf.length >= 8 && buf.length >= 8 + (buf.readUInt32BE(4) & 0xffffff)) {
      const len = 8 + (buf.readUInt32BE(4) & 0xffffff)
      const f = buf.subarray(0, len)
      buf = buf.subarray(len)
      const w = waiting.shift()
      if (w) w(f)
      else queue.push(f)
    }
  })
  return {
    next: () => {
      const f = queue.shift()
      return f ? Promise.resolve(f) : new Promise((r) => waiting.push(r))
    },
  }
}

test("SpdyConnection answers streams, carries data both ways with FIN and echoes pings", async () => {
  const server = createServer((socket) => {
    const conn = new SpdyConnection(socket)
    conn.on("stream", (s: SpdyStream) => {
      s.reply()
      const got: Buffer[] = []
      s.on("data", (d: Buffer) => got.push(d))
      s.on("end", () => s.end(`${s.headers.streamtype}:${Buffer.concat(got)}`))
    })
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1")
  await once(socket, "connect")
  const z = createDeflate({ dictionary: SPDY_DICTIONARY })
  const read = frames(socket)
  const replies: string[] = []
  for (const [id, type] of [
    [1, "error"],
    [3, "data"],
  ] as const) {
    socket.write(await synStream(z, id, { streamtype: type, port: "80", requestid: "0" }))
    const reply = await read.next()
    assert.equal(reply.readUInt16BE(2), 2, "SYN_REPLY")
    replies.push(`${reply.readUInt32BE(8)}`)
  }
  assert.deepEqual(replies, ["1", "3"])
  socket.write(dataFrame(3, 0, Buffer.from("GET /")))
  socket.write(dataFrame(3, 1, Buffer.from(" HTTP")))
  const ping = controlFrame(6, 0, Buffer.from([0, 0, 0, 7]))
  socket.write(ping)
  assert.deepEqual(await read.next(), ping)
  const data = await read.next()
  assert.equal(data.readUInt32BE(0), 3)
  assert.equal(data.subarray(8).toString(), "data:GET / HTTP")
  const fin = await read.next()
  assert.equal(fin[4], 1, "FIN")
  socket.destroy()
  server.close()
})

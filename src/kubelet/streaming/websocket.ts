/**
 * A minimal server-side WebSocket (RFC 6455) over an upgraded socket: the handshake, masked
 * client frames, fragments, ping/pong and close. Written by hand rather than with `ws` because
 * kubectl's port-forward subprotocol `SPDY/3.1+portforward.k8s.io` is not a valid RFC 6455
 * token, which `ws` refuses.
 */
import { createHash } from "node:crypto"
import { EventEmitter } from "node:events"
import type { IncomingMessage } from "node:http"
import type { Socket } from "node:net"
import type { Duplex } from "node:stream"

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
const OP_CONT = 0x0
const OP_TEXT = 0x1
const OP_BINARY = 0x2
const OP_CLOSE = 0x8
const OP_PING = 0x9
const OP_PONG = 0xa

/** True when `req` asks for a WebSocket upgrade. */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? "").toLowerCase() === "websocket"
}

/** The subprotocols the client offered, in its order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const h = req.headers["sec-websocket-protocol"]
  const all = Array.isArray(h) ? h.join(",") : (h ?? "")
  return all
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
}

/** One decoded frame. */
interface Frame {
  readonly fin: boolean
  readonly opcode: number
  readonly payload: Buffer
}

/** The length of the frame header starting with bytes `b0` `b1` (extended length and mask). */
function headerLength(b1: number): number {
  const len = b1 & 0x7f
  return 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0)
}

/**
 * Decodes the frames at the start of `buf`; returns them, the bytes left over and how many
 * bytes the next frame needs at least (so a large frame is not re-parsed on every chunk).
 */
export function decodeFrames(buf: Buffer): { frames: Frame[]; rest: Buffer; need: number } {
  const frames: Frame[] = []
  let off = 0
  for (;;) {
    const left = buf.length - off
    if (left < 2) return { frames, rest: buf.subarray(off), need: 2 }
    const b0 = buf[off] as number
    const b1 = buf[off + 1] as number
    const head = headerLength(b1)
    if (left < head) return { frames, rest: buf.subarray(off), need: head }
    const short = b1 & 0x7f
    const len =
      short === 126 ? buf.readUInt16BE(off + 2) : short === 127 ? Number(buf.readBigUInt64BE(off + 2)) : short
    if (left < head + len) return { frames, rest: buf.subarray(off), need: head + len }
    const p = off + head
    const payload = Buffer.from(buf.subarray(p, p + len))
    if (b1 & 0x80) {
      const mask = buf.subarray(p - 4, p)
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i & 3] as number)
    }
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload })
    off = p + len
  }
}

/** Encodes one unmasked (server) frame. */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10)
  head[0] = 0x80 | opcode
  if (len < 126) head[1] = len
  else if (len < 65536) {
    head[1] = 126
    head.writeUInt16BE(len, 2)
  } else {
    head[1] = 127
    head.writeBigUInt64BE(BigInt(len), 2)
  }
  return Buffer.concat([head, payload])
}

/** The events of a ServerWebSocket. */
export interface ServerWebSocketEvents {
  /** A complete data message (text or binary). */
  message: [data: Buffer]
  /** The connection is gone (close frame, end or error). */
  close: []
}

/** An accepted WebSocket connection. */
export class ServerWebSocket extends EventEmitter<ServerWebSocketEvents> {
  readonly #socket: Duplex
  #chunks: Buffer[] = []
  #buffered = 0
  #need = 2
  #fragments: Buffer[] = []
  #closed = false

  constructor(socket: Duplex, head: Buffer) {
    super()
    this.#socket = socket
    ;(socket as Partial<Socket>).setNoDelay?.(true)
    socket.on("data", (d: Buffer) => this.#receive(d))
    socket.on("end", () => this.#gone())
    socket.on("close", () => this.#gone())
    socket.on("error", () => this.#gone())
    if (head.length) queueMicrotask(() => this.#receive(head))
  }

  /** Sends one binary message. */
  send(data: Buffer): void {
    if (!this.#closed) this.#socket.write(encodeFrame(OP_BINARY, data))
  }

  /** Sends a close frame with `code` and ends the connection. */
  close(code = 1000): void {
    if (this.#closed) return
    const body = Buffer.alloc(2)
    body.writeUInt16BE(code)
    this.#socket.end(encodeFrame(OP_CLOSE, body))
    this.#gone()
  }

  #gone(): void {
    if (this.#closed) return
    this.#closed = true
    this.emit("close")
  }

  #receive(d: Buffer): void {
    this.#chunks.push(d)
    this.#buffered += d.length
    if (this.#buffered < this.#need) return
    const all = this.#chunks.length === 1 ? d : Buffer.concat(this.#chunks)
    const { frames, rest, need } = decodeFrames(all)
    this.#chunks = rest.length ? [rest] : []
    this.#buffered = rest.length
    this.#need = need
    for (const f of frames) this.#frame(f)
  }

  #frame(f: Frame): void {
    switch (f.opcode) {
      case OP_PING:
        if (!this.#closed) this.#socket.write(encodeFrame(OP_PONG, f.payload))
        return
      case OP_PONG:
        return
      case OP_CLOSE:
        this.close(1000)
        return
      case OP_TEXT:
      case OP_BINARY:
      case OP_CONT:
        this.#fragments.push(f.payload)
        if (!f.fin) return
        this.emit("message", this.#fragments.length === 1 ? f.payload : Buffer.concat(this.#fragments))
        this.#fragments = []
    }
  }
}

/**
 * Answers the handshake with `101 Switching Protocols` naming `protocol`, and returns the
 * connection.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  opts: { readonly head: Buffer; readonly protocol: string },
): ServerWebSocket {
  const key = String(req.headers["sec-websocket-key"] ?? "")
  const accept = createHash("sha1")
    .update(key + GUID)
    .digest("base64")
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${accept}\r\n` +
      (opts.protocol ? `Sec-WebSocket-Protocol: ${opts.protocol}\r\n` : "") +
      "\r\n",
  )
  return new ServerWebSocket(socket, opts.head)
}

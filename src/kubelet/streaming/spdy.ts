/**
 * A SPDY/3 server connection, as wide as Kubernetes' streaming protocols need (moby/spdystream
 * on the client): the client opens streams with SYN_STREAM (headers such as `streamtype`), the
 * server answers each with SYN_REPLY, and data flows in DATA frames until FIN; PING is echoed,
 * SETTINGS and WINDOW_UPDATE are accepted and ignored (the client does no flow control), GOAWAY
 * and the end of the socket close everything. Header blocks use one zlib stream per direction
 * with the SPDY dictionary; ours are stored (uncompressed) deflate blocks, which any inflater
 * reads.
 */
import { EventEmitter } from "node:events"
import { Duplex } from "node:stream"
import { constants, createInflate, type Inflate } from "node:zlib"
import { SPDY_DICTIONARY } from "./spdy-dictionary.ts"

const VERSION = 3
const SYN_STREAM = 1
const SYN_REPLY = 2
const RST_STREAM = 3
const PING = 6
const GOAWAY = 7
const FLAG_FIN = 0x01
const MAX_DATA = 32 * 1024

/** A header block: lower-case names to values (several values joined by NUL). */
export type SpdyHeaders = Record<string, string>

/** The zlib stream header (deflate, 32 KiB window, no preset dictionary needed to read it). */
const ZLIB_HEADER = Buffer.from([0x78, 0x01])

/**
 * Continues a zlib stream with `data` as stored deflate blocks and the empty block of a sync
 * flush (as zlib's Z_SYNC_FLUSH ends a block; Go's inflater returns the data only on reaching
 * it); `first` adds the zlib header.
 */
export function storedBlocks(data: Buffer, first: boolean): Buffer {
  const parts: Buffer[] = first ? [ZLIB_HEADER] : []
  let off = 0
  do {
    const n = Math.min(0xffff, data.length - off)
    const head = Buffer.alloc(5)
    head.writeUInt16LE(n, 1)
    head.writeUInt16LE(~n & 0xffff, 3)
    parts.push(head, data.subarray(off, off + n))
    off += n
  } while (off < data.length)
  parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]))
  return Buffer.concat(parts)
}

/** Inflates the next header block of a long-lived zlib stream. */
function inflateBlock(z: Inflate, chunk: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = []
    const onData = (d: Buffer) => out.push(d)
    z.on("data", onData)
    z.once("error", reject)
    z.write(chunk)
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off("data", onData)
      z.off("error", reject)
      resolve(Buffer.concat(out))
    })
  })
}

/** Encodes a header block (before compression). */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = []
  const entries = Object.entries(headers)
  const n = Buffer.alloc(4)
  n.writeUInt32BE(entries.length)
  parts.push(n)
  for (const [k, v] of entries) {
    for (const s of [Buffer.from(k.toLowerCase()), Buffer.from(v)]) {
      const len = Buffer.alloc(4)
      len.writeUInt32BE(s.length)
      parts.push(len, s)
    }
  }
  return Buffer.concat(parts)
}

/** Decodes a header block (after decompression). */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {}
  const n = block.readUInt32BE(0)
  let p = 4
  const next = () => {
    const len = block.readUInt32BE(p)
    const s = block.subarray(p + 4, p + 4 + len).toString()
    p += 4 + len
    return s
  }
  for (let i = 0; i < n; i++) {
    const k = next()
    out[k.toLowerCase()] = next()
  }
  return out
}

/** Encodes a control frame. */
export function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt16BE(0x8000 | VERSION, 0)
  head.writeUInt16BE(type, 2)
  head.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4)
  return Buffer.concat([head, body])
}

/** Encodes a data frame. */
export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(streamId & 0x7fffffff, 0)
  head.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4)
  return Buffer.concat([head, data])
}

/** One stream of a SpdyConnection: a Duplex of its DATA frames. */
export class SpdyStream extends Duplex {
  readonly id: number
  readonly headers: SpdyHeaders
  readonly #conn: SpdyConnection

  constructor(conn: SpdyConnection, id: number, headers: SpdyHeaders) {
    super({ allowHalfOpen: true })
    this.#conn = conn
    this.id = id
    this.headers = headers
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    for (let i = 0; i < chunk.length; i += MAX_DATA)
      this.#conn.send(dataFrame(this.id, 0, chunk.subarray(i, i + MAX_DATA)))
    cb()
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#conn.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)))
    cb()
  }

  /** Answers the SYN_STREAM (SYN_REPLY with no headers). */
  reply(): void {
    this.#conn.reply(this.id)
  }

  /** Resets the stream (RST_STREAM CANCEL). */
  reset(): void {
    this.#conn.reset(this.id)
    this.push(null)
  }
}

/** The events of a SpdyConnection. */
export interface SpdyConnectionEvents {
  /** The client opened a stream. */
  stream: [stream: SpdyStream]
  /** The connection ended. */
  close: []
}

/** The server side of a SPDY/3 connection over `socket`. */
export class SpdyConnection extends EventEmitter<SpdyConnectionEvents> {
  readonly #socket: Duplex
  readonly #streams = new Map<number, SpdyStream>()
  readonly #inflate: Inflate
  #deflated = false
  /** Frames are handled one after another: header blocks inflate asynchronously. */
  #work: Promise<void> = Promise.resolve()
  #pending = Buffer.alloc(0)
  #closed = false

  constructor(socket: Duplex, head?: Buffer) {
    super()
    this.#socket = socket
    this.#inflate = createInflate({ dictionary: SPDY_DICTIONARY })
    this.#inflate.on("error", () => this.close())
    socket.on("data", (d: Buffer) => this.#receive(d))
    socket.on("end", () => this.close())
    socket.on("close", () => this.close())
    socket.on("error", () => this.close())
    if (head?.length) queueMicrotask(() => this.#receive(head))
  }

  /** Writes raw frame bytes. */
  send(frame: Buffer): void {
    if (!this.#closed) this.#socket.write(frame)
  }

  /** Sends SYN_REPLY for stream `id`. */
  reply(id: number): void {
    const sid = Buffer.alloc(4)
    sid.writeUInt32BE(id & 0x7fffffff)
    const block = storedBlocks(encodeHeaderBlock({}), !this.#deflated)
    this.#deflated = true
    this.send(controlFrame(SYN_REPLY, 0, Buffer.concat([sid, block])))
  }

  /** Sends RST_STREAM CANCEL (5) for stream `id`. */
  reset(id: number): void {
    const body = Buffer.alloc(8)
    body.writeUInt32BE(id & 0x7fffffff, 0)
    body.writeUInt32BE(5, 4)
    this.send(controlFrame(RST_STREAM, 0, body))
  }

  /** Ends the connection and every stream. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const s of this.#streams.values()) {
      s.push(null)
      s.destroy()
    }
    this.#streams.clear()
    this.#socket.end()
    this.#inflate.close()
    this.emit("close")
  }

  #receive(d: Buffer): void {
    let buf = this.#pending.length ? Buffer.concat([this.#pending, d]) : d
    while (buf.length >= 8 && !this.#closed) {
      const len = buf.readUInt32BE(4) & 0xffffff
      if (buf.length < 8 + len) break
      const frame = Buffer.from(buf.subarray(0, 8 + len))
      buf = buf.subarray(8 + len)
      this.#work = this.#work
        .then(() => (this.#closed ? undefined : this.#frame(frame)))
        // A frame we cannot read leaves the stream state unknown: give up the connection.
        .catch(() => this.close())
    }
    this.#pending = Buffer.from(buf)
  }

  async #frame(f: Buffer): Promise<void> {
    const flags = f[4] as number
    const body = f.subarray(8)
    if (((f[0] as number) & 0x80) === 0) return this.#data(f.readUInt32BE(0) & 0x7fffffff, flags, body)
    switch (f.readUInt16BE(2)) {
      case SYN_STREAM:
        return this.#synStream(flags, body)
      case RST_STREAM:
        return this.#end(body.readUInt32BE(0) & 0x7fffffff)
      case PING:
        return this.send(f)
      case GOAWAY:
        return this.close()
      default:
      // SYN_REPLY, SETTINGS, HEADERS, WINDOW_UPDATE: nothing to do for a server without flow control.
    }
  }

  async #synStream(flags: number, body: Buffer): Promise<void> {
    const id = body.readUInt32BE(0) & 0x7fffffff
    const raw = await inflateBlock(this.#inflate, body.subarray(10))
    if (this.#closed) return
    const stream = new SpdyStream(this, id, decodeHeaderBlock(raw))
    this.#streams.set(id, stream)
    stream.once("close", () => this.#streams.delete(id))
    if (flags & FLAG_FIN) stream.push(null)
    this.emit("stream", stream)
  }

  #data(id: number, flags: number, body: Buffer): void {
    const s = this.#streams.get(id)
    if (!s) return
    if (body.length) s.push(Buffer.from(body))
    if (flags & FLAG_FIN) s.push(null)
  }

  #end(id: number): void {
    const s = this.#streams.get(id)
    this.#streams.delete(id)
    s?.push(null)
    s?.destroy()
  }
}

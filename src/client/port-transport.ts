/**
 * PortClient: the Client over a MessagePort, for components in a worker thread whose API server
 * runs on another thread (served there by servePort, port-server.ts). The protocol is declared
 * here: one request message, one response head (with the whole body when it is not streamed),
 * then for a streamed body (a watch) data messages the client acknowledges as it consumes them,
 * so a slow consumer holds the producer back instead of queueing without bound.
 * Each side posts what it has for the other once per turn of its event loop, as one batch (one
 * postMessage, one structured clone, one transferred buffer for every body and chunk: text too
 * is written there as UTF-8, as a structured clone copies a string several times more slowly
 * than the encoder writes it, and on the API server's thread that copy was a fifth of its work), and
 * every client of a thread shares the thread's port: a watch line the API server hands to
 * several of the thread's watches (the same encoded event) crosses once, and is parsed once in
 * the thread for all of them, as the in-process transport shares it (see shareWatchLine).
 */
import type { MessagePort } from "node:worker_threads"
import { RestClient } from "./_rest-client.ts"
import { shareWatchLine, type Transport, type WireRequest, type WireResponse } from "./_wire.ts"

/** A request, as the client posts it. */
export interface PortRequest {
  readonly t: "req"
  readonly id: number
  /** Who asks (a component's name), for the server's handlerFor. */
  readonly from?: string
  readonly method: string
  readonly path: string
  /** The query string without "?". */
  readonly query: string
  readonly headers: Readonly<Record<string, string>>
  /** The body's UTF-8 bytes in the batch's buffer. */
  readonly body?: PortSpan
}

/** What the client posts: requests, the abort of one, and the acknowledgement of stream messages. */
export type PortClientMessage =
  | PortRequest
  | { readonly t: "abort"; readonly id: number }
  | { readonly t: "ack"; readonly id: number; readonly n: number }

/** What the client posts in one turn. */
export interface PortClientBatch {
  readonly msgs: readonly PortClientMessage[]
  /** Every request body of the batch (transferred, not copied); absent when none has one. */
  readonly bytes?: Uint8Array
}

/** Bytes in a batch's buffer: offset and length. */
export type PortSpan = readonly [number, number]

/**
 * The pieces of a batch's buffer as they are gathered: bytes, and text written as UTF-8 once
 * the batch goes out (Buffer's encoder, not a structured clone, copies it).
 */
export class BatchBytes {
  #parts: (Uint8Array | string)[] = []
  #size = 0

  get size(): number {
    return this.#size
  }

  /** Where `b` (bytes, or text as UTF-8) will be in the buffer. */
  add(b: Uint8Array | string): PortSpan {
    const at = this.#size
    const len = typeof b === "string" ? Buffer.byteLength(b) : b.length
    this.#parts.push(b)
    this.#size += len
    return [at, len]
  }

  /** The buffer of everything added (its own ArrayBuffer, to transfer), and a fresh start. */
  take(): Uint8Array<ArrayBuffer> {
    // allocUnsafeSlow: a buffer of its own, not a slice of the shared pool; every byte is written.
    const bytes = Buffer.allocUnsafeSlow(this.#size) as Buffer<ArrayBuffer>
    let at = 0
    for (const p of this.#parts) {
      if (typeof p === "string") at += bytes.write(p, at)
      else {
        bytes.set(p, at)
        at += p.length
      }
    }
    this.#parts = []
    this.#size = 0
    return bytes
  }
}

/**
 * A piece of a stream: text, bytes of the batch, or (a number) a shared watch line by its
 * sequence number: one whole line that every stream of the port given it shares.
 */
export type PortPart = string | PortSpan | number

/** What the server posts back for a request `id`. */
export type PortServerMessage =
  /** The head; `body` is the whole body unless `stream`, when "data" messages follow. */
  | {
      readonly t: "res"
      readonly id: number
      readonly status: number
      readonly contentType: string
      readonly stream: boolean
      readonly body?: string | PortSpan
    }
  /** The stream's next parts, in order: one message for the window. */
  | { readonly t: "data"; readonly id: number; readonly parts: PortPart[] }
  | { readonly t: "end"; readonly id: number }
  /** No response (the handler threw), or the stream broke. */
  | { readonly t: "fail"; readonly id: number; readonly message: string }

/** What the server posts in one turn. */
export interface PortServerBatch {
  readonly msgs: readonly PortServerMessage[]
  /** Every body and chunk of the batch (transferred, not copied). */
  readonly bytes: Uint8Array
  /** Shared lines first sent in this batch: line `first + i` is at `lines[2i]`, `lines[2i+1]` long. */
  readonly first: number
  readonly lines: readonly number[]
}

/** Stream data messages the server may have unacknowledged before it waits (per stream). */
export const PORT_STREAM_WINDOW = 64
/**
 * Shared lines the client keeps by sequence number: the server refers to one it sent only
 * while it is among the last this many (both sides count the same, in the port's order).
 */
export const PORT_SHARED_LINES = 4096
/** The client acknowledges consumed messages in groups of this many. */
const ACK_EVERY = PORT_STREAM_WINDOW / 4

type Chunk = string | Uint8Array

/**
 * A streamed body's chunks as they arrive, iterated once by the response's reader; acknowledged
 * per message once its last chunk is consumed.
 */
class Inbox implements AsyncIterator<Chunk> {
  /** Messages' chunks, the first partly consumed up to #at. */
  readonly #msgs: Chunk[][] = []
  #at = 0
  #ended = false
  #error: Error | undefined
  #waiter: { resolve(r: IteratorResult<Chunk>): void; reject(err: Error): void } | undefined
  #unacked = 0

  constructor(
    readonly ack: (n: number) => void,
    readonly cancel: () => void,
  ) {}

  /** Adds one message's chunks (never empty). */
  push(chunks: Chunk[]): void {
    const w = this.#waiter
    if (!w) return void this.#msgs.push(chunks)
    this.#waiter = undefined
    this.#msgs.push(chunks)
    w.resolve({ done: false, value: this.#take() })
  }

  end(err?: Error): void {
    if (this.#ended) return
    this.#ended = true
    this.#error = err
    const w = this.#waiter
    this.#waiter = undefined
    if (w && err) w.reject(err)
    else w?.resolve({ done: true, value: undefined })
  }

  /** The next chunk (there is one). */
  #take(): Chunk {
    const msg = this.#msgs[0] as Chunk[]
    const chunk = msg[this.#at++] as Chunk
    if (this.#at === msg.length) {
      this.#msgs.shift()
      this.#at = 0
      this.#consumed()
    }
    return chunk
  }

  #consumed(): void {
    if (++this.#unacked < ACK_EVERY || this.#ended) return
    this.ack(this.#unacked)
    this.#unacked = 0
  }

  next(): Promise<IteratorResult<Chunk>> {
    if (this.#msgs.length) return Promise.resolve({ done: false, value: this.#take() })
    if (this.#error) return Promise.reject(this.#error)
    if (this.#ended) return Promise.resolve({ done: true, value: undefined })
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }))
  }

  return(): Promise<IteratorResult<Chunk>> {
    if (!this.#ended) this.cancel()
    this.end()
    this.#msgs.length = 0
    return Promise.resolve({ done: true, value: undefined })
  }
}

/** A request in flight: waiting for its head, then (when streamed) feeding its inbox. */
interface Pending {
  resolve(res: WireResponse): void
  reject(err: Error): void
  inbox?: Inbox
  /** Drops the abort listener. */
  release(): void
}

function once(body: Chunk | undefined): AsyncIterable<Chunk> {
  return {
    async *[Symbol.asyncIterator]() {
      if (body !== undefined && body.length > 0) yield body
    },
  }
}

/** The requests waiting on each signal: one abort listener per signal, however many share it. */
const waiting = new WeakMap<AbortSignal, Set<() => void>>()

/** Calls `fn` once `signal` aborts (a component passes one signal to many requests); returns the release. */
function onAbortOf(signal: AbortSignal, fn: () => void): () => void {
  let set = waiting.get(signal)
  if (!set) {
    const fns = (set = new Set())
    waiting.set(signal, fns)
    signal.addEventListener("abort", () => {
      waiting.delete(signal)
      for (const f of [...fns]) f()
    })
  }
  set.add(fn)
  const fns = set
  return () => {
    fns.delete(fn)
  }
}

/** The client end of one port, which every transport over that port shares. */
class Connection {
  readonly #port: MessagePort
  readonly #pending = new Map<number, Pending>()
  /** The shared lines received, by sequence number modulo PORT_SHARED_LINES. */
  readonly #lines: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(PORT_SHARED_LINES)
  #outbox: PortClientMessage[] = []
  readonly #bytes = new BatchBytes()
  #nextId = 1
  closed = false

  constructor(port: MessagePort) {
    this.#port = port
    port.on("message", (batch: PortServerBatch) => this.#receive(batch))
    port.on("close", () => this.#close())
  }

  post(msg: PortClientMessage): void {
    if (this.closed) return
    if (this.#outbox.push(msg) === 1) setImmediate(this.#flush)
  }

  readonly #flush = () => {
    const msgs = this.#outbox
    this.#outbox = []
    if (this.closed || !msgs.length) return
    if (!this.#bytes.size) return this.#port.postMessage({ msgs } satisfies PortClientBatch)
    const bytes = this.#bytes.take()
    this.#port.postMessage({ msgs, bytes } satisfies PortClientBatch, [bytes.buffer])
  }

  #receive(batch: PortServerBatch): void {
    const { bytes, first, lines } = batch
    for (let i = 0; i < lines.length; i += 2) {
      const at = lines[i] as number
      const line = bytes.subarray(at, at + (lines[i + 1] as number))
      shareWatchLine(line)
      this.#lines[(first + i / 2) % PORT_SHARED_LINES] = line
    }
    for (const msg of batch.msgs) this.#handle(msg, bytes)
  }

  #part(part: PortPart, bytes: Uint8Array): Chunk {
    if (typeof part === "string") return part
    if (typeof part === "number") return this.#lines[part % PORT_SHARED_LINES] as Uint8Array
    return bytes.subarray(part[0], part[0] + part[1])
  }

  #handle(msg: PortServerMessage, bytes: Uint8Array): void {
    const p = this.#pending.get(msg.id)
    if (!p) return
    switch (msg.t) {
      case "res":
        return this.#head(msg, p, bytes)
      case "data":
        return p.inbox?.push(msg.parts.map((part) => this.#part(part, bytes)))
      case "end":
        this.#finish(msg.id)
        return p.inbox?.end()
      case "fail": {
        this.#finish(msg.id)
        const err = new Error(msg.message)
        return p.inbox ? p.inbox.end(err) : p.reject(err)
      }
    }
  }

  #head(msg: Extract<PortServerMessage, { t: "res" }>, p: Pending, bytes: Uint8Array): void {
    const { id, status, contentType } = msg
    if (!msg.stream) {
      this.#finish(id)
      const body = msg.body === undefined ? undefined : this.#part(msg.body, bytes)
      return p.resolve({ status, contentType, body: once(body), whole: body ?? "" })
    }
    const inbox = (p.inbox = new Inbox(
      (n) => this.post({ t: "ack", id, n }),
      () => {
        if (!this.#pending.has(id)) return
        this.#finish(id)
        this.post({ t: "abort", id })
      },
    ))
    p.resolve({ status, contentType, body: { [Symbol.asyncIterator]: () => inbox } })
  }

  #finish(id: number): void {
    this.#pending.get(id)?.release()
    this.#pending.delete(id)
  }

  #close(): void {
    this.closed = true
    const err = new Error("The API server's port closed")
    for (const p of this.#pending.values()) {
      p.release()
      if (p.inbox) p.inbox.end(err)
      else p.reject(err)
    }
    this.#pending.clear()
  }

  send(req: WireRequest, from: string | undefined): Promise<WireResponse> {
    const { signal } = req
    if (this.closed) return Promise.reject(new Error("The API server's port closed"))
    if (signal?.aborted) return Promise.reject(signal.reason as Error)
    const id = this.#nextId++
    return new Promise<WireResponse>((resolve, reject) => {
      const onAbort = () => {
        const p = this.#pending.get(id)
        // An open stream's return() drops what it buffered and tells the server.
        if (p?.inbox) return void p.inbox.return()
        this.#finish(id)
        this.post({ t: "abort", id })
        reject(signal?.reason as Error)
      }
      const release = signal ? onAbortOf(signal, onAbort) : () => {}
      this.#pending.set(id, { resolve, reject, release })
      this.post({
        t: "req",
        id,
        ...(from !== undefined ? { from } : {}),
        method: req.method,
        path: req.path,
        query: req.query.toString(),
        headers: req.headers,
        ...(req.body !== undefined ? { body: this.#bytes.add(req.body) } : {}),
      })
    })
  }
}

/** The connection of each port, shared by every transport over it. */
const connections = new WeakMap<MessagePort, Connection>()

/**
 * A Transport over `port`, whose other end servePort answers; its requests say they come from
 * `from` when set. Transports over the same port share it. Rejects a request in flight, and
 * breaks an open stream, once the port closes (the other thread gone).
 */
export function portTransport(port: MessagePort, from?: string): Transport {
  let conn = connections.get(port)
  if (!conn) connections.set(port, (conn = new Connection(port)))
  const c = conn
  return (req) => c.send(req, from)
}

/** Options of PortClient. */
export interface PortClientOptions {
  /** Default `k8ts`. */
  readonly userAgent?: string
  /** Who the requests come from (a component's name), for servePort's handlerFor. */
  readonly from?: string
}

/**
 * A Client whose requests go over `port` to an API server on another thread (see servePort);
 * they carry the identity that side gives them (the loopback user, as InProcessClient's).
 * Several clients may share one port.
 */
export class PortClient extends RestClient {
  constructor(port: MessagePort, opts: PortClientOptions = {}) {
    super(portTransport(port, opts.from), opts.userAgent)
  }
}

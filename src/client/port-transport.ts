/**
 * PortClient: the Client over a MessagePort, for components in a worker thread whose API server
 * runs on another thread (served there by servePort, port-server.ts). The protocol is declared
 * here: one request message, one response head (with the whole body when it is not streamed),
 * then for a streamed body (a watch) chunk messages the client acknowledges as it consumes them,
 * so a slow consumer holds the producer back instead of queueing without bound.
 */
import type { MessagePort } from "node:worker_threads"
import { RestClient } from "./_rest-client.ts"
import type { Transport, WireRequest, WireResponse } from "./_wire.ts"

/** A request, as the client posts it. */
export interface PortRequest {
  readonly t: "req"
  readonly id: number
  readonly method: string
  readonly path: string
  /** The query string without "?". */
  readonly query: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
}

/** What the client posts: requests, the abort of one, and the acknowledgement of stream chunks. */
export type PortClientMessage =
  | PortRequest
  | { readonly t: "abort"; readonly id: number }
  | { readonly t: "ack"; readonly id: number; readonly n: number }

/** What the server posts back for a request `id`. */
export type PortServerMessage =
  /** The head; `body` is the whole body unless `stream`, when "data" messages follow. */
  | {
      readonly t: "res"
      readonly id: number
      readonly status: number
      readonly contentType: string
      readonly stream: boolean
      readonly body?: string | Uint8Array
    }
  | { readonly t: "data"; readonly id: number; readonly chunk: string | Uint8Array }
  | { readonly t: "end"; readonly id: number }
  /** No response (the handler threw), or the stream broke. */
  | { readonly t: "fail"; readonly id: number; readonly message: string }

/** Stream chunk messages the server may have unacknowledged before it waits (per stream). */
export const PORT_STREAM_WINDOW = 64
/** The client acknowledges consumed chunks in groups of this many. */
const ACK_EVERY = PORT_STREAM_WINDOW / 4

type Chunk = string | Uint8Array

/** A streamed body's chunks as they arrive, iterated once by the response's reader. */
class Inbox implements AsyncIterator<Chunk> {
  readonly #items: Chunk[] = []
  #ended = false
  #error: Error | undefined
  #waiter: { resolve(r: IteratorResult<Chunk>): void; reject(err: Error): void } | undefined
  #unacked = 0

  constructor(
    readonly ack: (n: number) => void,
    readonly cancel: () => void,
  ) {}

  push(chunk: Chunk): void {
    const w = this.#waiter
    if (w) {
      this.#waiter = undefined
      this.#consumed()
      w.resolve({ done: false, value: chunk })
    } else this.#items.push(chunk)
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

  #consumed(): void {
    if (++this.#unacked < ACK_EVERY || this.#ended) return
    this.ack(this.#unacked)
    this.#unacked = 0
  }

  next(): Promise<IteratorResult<Chunk>> {
    const chunk = this.#items.shift()
    if (chunk !== undefined) {
      this.#consumed()
      return Promise.resolve({ done: false, value: chunk })
    }
    if (this.#error) return Promise.reject(this.#error)
    if (this.#ended) return Promise.resolve({ done: true, value: undefined })
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }))
  }

  return(): Promise<IteratorResult<Chunk>> {
    if (!this.#ended) this.cancel()
    this.end()
    this.#items.length = 0
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

/**
 * A Transport over `port`, whose other end servePort answers. Rejects a request in flight, and
 * breaks an open stream, once the port closes (the other thread gone).
 */
export function portTransport(port: MessagePort): Transport {
  const pending = new Map<number, Pending>()
  let nextId = 1
  let closed = false
  const post = (msg: PortClientMessage) => {
    if (!closed) port.postMessage(msg)
  }
  const finish = (id: number) => {
    pending.get(id)?.release()
    pending.delete(id)
  }
  port.on("message", (msg: PortServerMessage) => {
    const p = pending.get(msg.id)
    if (!p) return
    switch (msg.t) {
      case "res":
        if (!msg.stream) {
          finish(msg.id)
          return p.resolve({ status: msg.status, contentType: msg.contentType, body: once(msg.body) })
        }
        p.inbox = new Inbox(
          (n) => post({ t: "ack", id: msg.id, n }),
          () => {
            if (!pending.has(msg.id)) return
            finish(msg.id)
            post({ t: "abort", id: msg.id })
          },
        )
        return p.resolve({
          status: msg.status,
          contentType: msg.contentType,
          body: { [Symbol.asyncIterator]: () => p.inbox as Inbox },
        })
      case "data":
        return p.inbox?.push(msg.chunk)
      case "end":
        finish(msg.id)
        return p.inbox?.end()
      case "fail": {
        finish(msg.id)
        const err = new Error(msg.message)
        return p.inbox ? p.inbox.end(err) : p.reject(err)
      }
    }
  })
  port.on("close", () => {
    closed = true
    const err = new Error("The API server's port closed")
    for (const p of pending.values()) {
      p.release()
      if (p.inbox) p.inbox.end(err)
      else p.reject(err)
    }
    pending.clear()
  })
  return (req: WireRequest): Promise<WireResponse> => {
    const { signal } = req
    if (closed) return Promise.reject(new Error("The API server's port closed"))
    if (signal?.aborted) return Promise.reject(signal.reason as Error)
    const id = nextId++
    return new Promise<WireResponse>((resolve, reject) => {
      const onAbort = () => {
        const p = pending.get(id)
        // An open stream's return() drops what it buffered and tells the server.
        if (p?.inbox) return void p.inbox.return()
        finish(id)
        post({ t: "abort", id })
        reject(signal?.reason as Error)
      }
      const release = signal ? onAbortOf(signal, onAbort) : () => {}
      pending.set(id, { resolve, reject, release })
      const q = req.query.toString()
      post({
        t: "req",
        id,
        method: req.method,
        path: req.path,
        query: q,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
      })
    })
  }
}

/** Options of PortClient. */
export interface PortClientOptions {
  /** Default `k8ts`. */
  readonly userAgent?: string
}

/**
 * A Client whose requests go over `port` to an API server on another thread (see servePort);
 * they carry the identity that side gives them (the loopback user, as InProcessClient's).
 */
export class PortClient extends RestClient {
  constructor(port: MessagePort, opts: PortClientOptions = {}) {
    super(portTransport(port), opts.userAgent)
  }
}

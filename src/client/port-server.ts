/**
 * servePort: answers the requests PortClients post on a MessagePort with an API server's
 * handler on this thread (see port-transport.ts for the protocol). What is ready for the
 * clients goes out once per turn of the event loop as one batch, every body in its one
 * transferred buffer (text written there as UTF-8); a watch line handed to several
 * of the port's streams (the watch cache's encoded event) crosses once and is then referred to;
 * a stream waits while its client has a window of messages unacknowledged; a client's abort, or
 * the port closing, aborts the handler's request.
 */
import type { MessagePort } from "node:worker_threads"
import {
  LOOPBACK_USER,
  type InProcessHandler,
  type InProcessResponse,
  type InProcessUser,
} from "./in-process-client.ts"
import {
  BatchBytes,
  PORT_SHARED_LINES,
  PORT_STREAM_WINDOW,
  type PortClientBatch,
  type PortClientMessage,
  type PortPart,
  type PortRequest,
  type PortServerBatch,
  type PortServerMessage,
  type PortSpan,
} from "./port-transport.ts"

/** Options of servePort. */
export interface ServePortOptions {
  /** Who the requests come from; default the loopback identity, as InProcessClient's. */
  readonly user?: InProcessUser
  /** The handler for the requests of a client that names itself (PortClient's `from`). */
  readonly handlerFor?: (from: string) => InProcessHandler
}

type Chunk = string | Uint8Array

/**
 * One request being answered. Its AbortController is made only when the handler asks for the
 * signal (watches, long reads), as the HTTP server's: one costs more than most requests.
 */
class Exchange {
  #abort: AbortController | undefined
  #aborted = false
  /** Data messages posted and not yet acknowledged. */
  unacked = 0
  /** Resumes a stream waiting for acknowledgements. */
  resume?: (() => void) | undefined
  /** Its data message in the batch being gathered, which more parts may join. */
  open?: PortPart[] | undefined

  get signal(): AbortSignal {
    if (!this.#abort) {
      this.#abort = new AbortController()
      if (this.#aborted) this.#abort.abort()
    }
    return this.#abort.signal
  }

  get aborted(): boolean {
    return this.#aborted
  }

  /** Aborts the request and wakes its stream. */
  abort(): void {
    this.#aborted = true
    this.#abort?.abort()
    this.resume?.()
  }
}

/** The most bytes a batch gathers before it goes out at once. */
const BATCH_BYTES = 1 << 20
/** New shared lines a batch defines at most, and the age (in lines) up to which one is referred to. */
const BATCH_LINES = PORT_SHARED_LINES / 2

function headerOf(res: InProcessResponse, name: string): string {
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === name) return v
  return ""
}

/** Whether `chunk` is one whole line (a watch event as the watch cache encodes it once for all). */
function isLine(chunk: Uint8Array): boolean {
  return chunk.length > 0 && chunk.indexOf(10) === chunk.length - 1
}

/**
 * The batch being gathered for the port: messages, the bytes they refer to, and the shared
 * lines sent so far (by the buffers' identity, so another stream given the same one refers to it).
 */
class Outbox {
  readonly #post: (batch: PortServerBatch, transfer: ArrayBuffer[]) => void
  #msgs: PortServerMessage[] = []
  readonly #bytes = new BatchBytes()
  #lines: number[] = []
  #first = 0
  #nextLine = 0
  readonly #sent = new WeakMap<Uint8Array, number>()
  #scheduled = false
  /** Exchanges whose data message in this batch is still open. */
  #open: Exchange[] = []

  constructor(post: (batch: PortServerBatch, transfer: ArrayBuffer[]) => void) {
    this.#post = post
  }

  /** Adds `msg` to the batch. */
  push(msg: PortServerMessage): void {
    this.#msgs.push(msg)
    this.#schedule()
  }

  /** Bytes (or text, as UTF-8) for the batch: where they will be in its buffer. */
  bytes(b: Uint8Array | string): PortSpan {
    return this.#bytes.add(b)
  }

  /** Adds stream `id`'s `chunk` to its open data message, or a new one (counted against its window). */
  chunk(id: number, ex: Exchange, chunk: Chunk): void {
    let parts = ex.open
    if (!parts) {
      ex.open = parts = []
      ex.unacked++
      this.#open.push(ex)
      this.push({ t: "data", id, parts })
    }
    parts.push(typeof chunk !== "string" && isLine(chunk) ? this.#line(chunk) : this.bytes(chunk))
    if (this.#bytes.size >= BATCH_BYTES || this.#lines.length >= 2 * BATCH_LINES) this.flush()
  }

  /** A shared line's number: the one it was sent under while recent, else a new one. */
  #line(b: Uint8Array): number {
    const seq = this.#sent.get(b)
    if (seq !== undefined && seq > this.#nextLine - BATCH_LINES) return seq
    if (this.#lines.length === 0) this.#first = this.#nextLine
    const [at] = this.bytes(b)
    this.#lines.push(at, b.length)
    this.#sent.set(b, this.#nextLine)
    return this.#nextLine++
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(this.flush)
  }

  /** Posts the batch gathered (one message, one buffer transferred). */
  readonly flush = (): void => {
    this.#scheduled = false
    if (!this.#msgs.length) return
    for (const ex of this.#open) ex.open = undefined
    this.#open = []
    const bytes = this.#bytes.take()
    const batch: PortServerBatch = { msgs: this.#msgs, bytes, first: this.#first, lines: this.#lines }
    this.#msgs = []
    this.#lines = []
    this.#post(batch, [bytes.buffer])
  }
}

/**
 * Answers PortClient requests on `port` with `handle` (or `opts.handlerFor` the client's) until
 * the port closes; returns a stop function.
 */
export function servePort(
  port: MessagePort,
  handle: InProcessHandler,
  opts: ServePortOptions = {},
): () => void {
  const user = opts.user ?? LOOPBACK_USER
  const exchanges = new Map<number, Exchange>()
  let closed = false
  const out = new Outbox((batch, transfer) => {
    if (!closed) port.postMessage(batch, transfer)
  })
  const answer = (req: PortRequest, bytes: Uint8Array | undefined) => {
    const ex = new Exchange()
    exchanges.set(req.id, ex)
    respond(req, bodyIn(req.body, bytes), ex).then(
      () => exchanges.delete(req.id),
      (err: unknown) => {
        exchanges.delete(req.id)
        if (!closed)
          out.push({ t: "fail", id: req.id, message: err instanceof Error ? err.message : String(err) })
      },
    )
  }
  const respond = async (req: PortRequest, body: Buffer, ex: Exchange) => {
    const headers = req.headers
    const handler = req.from !== undefined && opts.handlerFor ? opts.handlerFor(req.from) : handle
    const res = await handler({
      method: req.method,
      path: req.path,
      query: new URLSearchParams(req.query),
      header: (name) => headers[name.toLowerCase()],
      body: () => Promise.resolve(body),
      get signal() {
        return ex.signal
      },
      user,
    })
    if (closed) return
    const head = {
      t: "res",
      id: req.id,
      status: res.status,
      contentType: headerOf(res, "content-type"),
    } as const
    if (!res.stream) return out.push({ ...head, stream: false, body: bodyOf(res, out) })
    out.push({ ...head, stream: true })
    await pump(req.id, res.stream, ex)
  }
  /** Sends the stream's chunks until it ends or aborts, holding back while its window is full. */
  const pump = async (id: number, stream: AsyncIterable<Chunk>, ex: Exchange) => {
    const it = stream[Symbol.asyncIterator]()
    const stop = () => void Promise.resolve(it.return?.()).catch(() => {})
    const signal = ex.signal
    signal.addEventListener("abort", stop, { once: true })
    try {
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (ex.aborted || closed) return
        out.chunk(id, ex, r.value)
        while (ex.unacked >= PORT_STREAM_WINDOW && !ex.aborted) {
          await new Promise<void>((resolve) => (ex.resume = resolve))
        }
      }
    } catch (err) {
      if (ex.aborted) return
      throw err
    } finally {
      signal.removeEventListener("abort", stop)
    }
    if (!ex.aborted && !closed) out.push({ t: "end", id })
  }
  const onMessage = (msg: PortClientMessage, bytes: Uint8Array | undefined) => {
    if (msg.t === "req") return answer(msg, bytes)
    const ex = exchanges.get(msg.id)
    if (!ex) return
    if (msg.t === "abort") return ex.abort()
    ex.unacked -= msg.n
    const resume = ex.resume
    ex.resume = undefined
    resume?.()
  }
  const onBatch = ({ msgs, bytes }: PortClientBatch) => {
    for (const msg of msgs) onMessage(msg, bytes)
  }
  const close = () => {
    if (closed) return
    closed = true
    port.off("message", onBatch)
    for (const ex of exchanges.values()) ex.abort()
    exchanges.clear()
  }
  port.on("message", onBatch)
  port.on("close", close)
  return () => {
    close()
    port.close()
  }
}

const EMPTY = Buffer.alloc(0)

/** A request's body: a view of its bytes in the batch's buffer (no copy). */
function bodyIn(span: PortSpan | undefined, bytes: Uint8Array | undefined): Buffer {
  if (!span || !bytes) return EMPTY
  return Buffer.from(bytes.buffer, bytes.byteOffset + span[0], span[1])
}

/** A whole body for the batch: its bytes (text as UTF-8) in the batch's buffer. */
function bodyOf(res: InProcessResponse, out: Outbox): string | PortSpan {
  if (res.chunks) {
    let span: PortSpan | undefined
    let len = 0
    for (const c of res.chunks) {
      const s = out.bytes(c)
      span ??= s
      len += c.length
    }
    return span ? [span[0], len] : ""
  }
  const body = res.body ?? ""
  return body.length ? out.bytes(body) : ""
}

/**
 * servePort: answers the requests a PortClient posts on a MessagePort with an API server's
 * handler on this thread (see port-transport.ts for the protocol). Watch chunks the handler
 * yields together go out as one message; a stream waits while the client has a window of them
 * unacknowledged; a client's abort, or the port closing, aborts the handler's request.
 */
import type { MessagePort } from "node:worker_threads"
import {
  LOOPBACK_USER,
  type InProcessHandler,
  type InProcessResponse,
  type InProcessUser,
} from "./in-process-client.ts"
import {
  PORT_STREAM_WINDOW,
  type PortClientMessage,
  type PortRequest,
  type PortServerMessage,
} from "./port-transport.ts"

/** Options of servePort. */
export interface ServePortOptions {
  /** Who the requests come from; default the loopback identity, as InProcessClient's. */
  readonly user?: InProcessUser
}

type Chunk = string | Uint8Array

/** One request being answered. */
interface Exchange {
  readonly abort: AbortController
  /** Chunk messages posted and not yet acknowledged. */
  unacked: number
  /** Resumes a stream waiting for acknowledgements. */
  resume?: (() => void) | undefined
}

function headerOf(res: InProcessResponse, name: string): string {
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === name) return v
  return ""
}

/** `chunks` in one fresh buffer of their own, which the message can transfer rather than copy. */
function pack(chunks: readonly Chunk[]): Uint8Array {
  if (chunks.length === 1 && typeof chunks[0] === "string") return Buffer.from(chunks[0])
  let total = 0
  for (const c of chunks) total += typeof c === "string" ? Buffer.byteLength(c) : c.length
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    if (typeof c === "string") at += Buffer.from(out.buffer, at).write(c)
    else {
      out.set(c, at)
      at += c.length
    }
  }
  return out
}

/** Answers PortClient requests on `port` with `handle` until the port closes; returns a stop function. */
export function servePort(
  port: MessagePort,
  handle: InProcessHandler,
  opts: ServePortOptions = {},
): () => void {
  const user = opts.user ?? LOOPBACK_USER
  const exchanges = new Map<number, Exchange>()
  let closed = false
  const post = (msg: PortServerMessage, transfer?: ArrayBuffer[]) => {
    if (!closed) port.postMessage(msg, transfer)
  }
  const answer = (req: PortRequest) => {
    const ex: Exchange = { abort: new AbortController(), unacked: 0 }
    exchanges.set(req.id, ex)
    respond(req, ex).then(
      () => exchanges.delete(req.id),
      (err: unknown) => {
        exchanges.delete(req.id)
        post({ t: "fail", id: req.id, message: err instanceof Error ? err.message : String(err) })
      },
    )
  }
  const respond = async (req: PortRequest, ex: Exchange) => {
    const body = Buffer.from(req.body ?? "")
    const headers = req.headers
    const res = await handle({
      method: req.method,
      path: req.path,
      query: new URLSearchParams(req.query),
      header: (name) => headers[name.toLowerCase()],
      body: () => Promise.resolve(body),
      signal: ex.abort.signal,
      user,
    })
    const head = {
      t: "res",
      id: req.id,
      status: res.status,
      contentType: headerOf(res, "content-type"),
    } as const
    if (!res.stream) {
      const whole = res.chunks ? pack(res.chunks) : res.body
      if (whole === undefined || typeof whole === "string")
        return post({ ...head, stream: false, body: whole ?? "" })
      const bytes = pack([whole])
      return post({ ...head, stream: false, body: bytes }, [bytes.buffer as ArrayBuffer])
    }
    post({ ...head, stream: true })
    await pump(req.id, res.stream, ex)
  }
  /** Sends the stream's chunks, those that come together in one message, until it ends or aborts. */
  const pump = async (id: number, stream: AsyncIterable<Chunk>, ex: Exchange) => {
    let batch: Chunk[] = []
    let scheduled = false
    const flush = () => {
      scheduled = false
      if (!batch.length || ex.abort.signal.aborted) return
      const chunk = pack(batch)
      batch = []
      ex.unacked++
      post({ t: "data", id, chunk }, [chunk.buffer as ArrayBuffer])
    }
    const it = stream[Symbol.asyncIterator]()
    const stop = () => void Promise.resolve(it.return?.()).catch(() => {})
    ex.abort.signal.addEventListener("abort", stop, { once: true })
    try {
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (ex.abort.signal.aborted) return
        batch.push(r.value)
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
        while (ex.unacked >= PORT_STREAM_WINDOW && !ex.abort.signal.aborted) {
          await new Promise<void>((resolve) => (ex.resume = resolve))
        }
      }
    } catch (err) {
      if (ex.abort.signal.aborted) return
      flush()
      throw err
    } finally {
      ex.abort.signal.removeEventListener("abort", stop)
    }
    flush()
    post({ t: "end", id })
  }
  const onMessage = (msg: PortClientMessage) => {
    if (msg.t === "req") return answer(msg)
    const ex = exchanges.get(msg.id)
    if (!ex) return
    if (msg.t === "abort") {
      ex.abort.abort()
      ex.resume?.()
      return
    }
    ex.unacked -= msg.n
    const resume = ex.resume
    ex.resume = undefined
    resume?.()
  }
  const close = () => {
    if (closed) return
    closed = true
    port.off("message", onMessage)
    for (const ex of exchanges.values()) {
      ex.abort.abort()
      ex.resume?.()
    }
    exchanges.clear()
  }
  port.on("message", onMessage)
  port.on("close", close)
  return () => {
    close()
    port.close()
  }
}

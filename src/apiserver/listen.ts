/** Serves an ApiServer over node:http or node:https. */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http"
import { createServer as createHttpsServer } from "node:https"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"
import { ApiError } from "../api/index.ts"
import { compressed } from "./compression.ts"
import { fromNode, fromUpgrade, toNode, toSocket } from "./http.ts"
import type { ApiServer } from "./server.ts"
import { joinHostPort } from "../util/index.ts"

/** Options of listen. */
export interface ListenOptions {
  readonly host?: string
  /** 0 picks a free port. */
  readonly port?: number
  /** TLS material; plain HTTP when absent. */
  readonly tls?: {
    readonly cert: string
    readonly key: string
    readonly ca?: string
    readonly requestCert?: boolean
  }
}

/** A listening server. */
export interface Listening {
  readonly server: Server
  readonly port: number
  readonly url: string
  close(): Promise<void>
}

/** A request line whose method is a token (RFC 9110), as Go's server reads one. */
const REQUEST_LINE = /^[-!#$%&'*+.^_`|~0-9A-Za-z]+ [^ \r\n]+ HTTP\/1\.[01]\r?\n/

/**
 * A request node's parser refused. Node knows only the methods it has names for, where Go's
 * server takes any token and the API server answers one it has no route for 405 (as CONNECT):
 * so does this one. Anything else gets node's own answer: 431 for headers too large, 408 for a
 * request too slow, else 400; nothing when a response already started or the peer is gone.
 */
function answerClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void {
  const inFlight = (socket as { _httpMessage?: ServerResponse })._httpMessage
  if (err.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy()
    return
  }
  if (err.code === "HPE_INVALID_METHOD" && REQUEST_LINE.test(err.rawPacket?.toString("latin1") ?? "")) {
    const body = JSON.stringify(
      new ApiError(
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      ).toStatus(),
    )
    socket.end(
      "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
    return
  }
  const status =
    err.code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "408 Request Timeout"
        : "400 Bad Request"
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`)
}

/** Answers 500 to a request whose handling failed, unless its answer started. */
function failed(res: ServerResponse): void {
  if (!res.headersSent) res.writeHead(500)
  res.end()
}

/**
 * Listens on `opts.host:opts.port` and drives `api.handle` for every request.
 *
 * The requests node:http reads in one turn of the event loop are handled together once its reads
 * are done (setImmediate), not each as soon as it is read. Each read is a system call, and on these
 * machines (a VM whose Linux isolates page tables, with no PCID) every system call flushes the TLB:
 * a request handled between two reads ran its handler cold (JSON.parse of the bench's pod took 3x
 * as long over HTTP as in process), one handled after the others' reads runs warm. The API bench's
 * create took 165-169 µs of the event loop's CPU handled at once, 125-134 µs handled after the
 * reads (bench/_api-cpu.ts, three runs each, alternated). A request waits for the reads of its
 * turn only: the loop runs the immediates right after its poll phase.
 */
export async function listen(api: ApiServer, opts: ListenOptions = {}): Promise<Listening> {
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    api
      .handle(fromNode(req, res))
      .then((r) => toNode(compressed(r, req.headers["accept-encoding"]), res))
      .catch(() => failed(res))
  }
  let queued: [IncomingMessage, ServerResponse][] = []
  const serveQueued = () => {
    const batch = queued
    queued = []
    for (const [req, res] of batch) {
      try {
        serve(req, res)
      } catch {
        failed(res) // one request's failure is not its batch's
      }
    }
  }
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (queued.length === 0) setImmediate(serveQueued)
    queued.push([req, res])
  }
  const server: Server = opts.tls
    ? (createHttpsServer(
        {
          cert: opts.tls.cert,
          key: opts.tls.key,
          ca: opts.tls.ca,
          requestCert: opts.tls.requestCert ?? false,
          rejectUnauthorized: false,
        },
        onRequest,
      ) as unknown as Server)
    : createHttpServer(onRequest)
  // exec, attach and portforward: the handler proxies the upgraded connection.
  const upgraded = new Set<Duplex>()
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket)
    socket.once("close", () => upgraded.delete(socket))
    socket.on("error", () => socket.destroy())
    api
      .handle(fromUpgrade(req, socket))
      .then((r) => (r.upgrade ? r.upgrade(socket, head) : toSocket(r, socket)))
      .catch(() => socket.destroy())
  }
  server.on("upgrade", onUpgrade)
  // node:http hands a CONNECT over as it does an upgrade (and drops it unanswered when nothing
  // listens): it gets the answer any other method without a route gets, 405.
  server.on("connect", onUpgrade)
  server.on("clientError", answerClientError)
  server.keepAliveTimeout = 65_000
  const host = opts.host ?? "127.0.0.1"
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const scheme = opts.tls ? "https" : "http"
  return {
    server,
    port,
    url: `${scheme}://${joinHostPort(host, port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const s of upgraded) s.destroy()
      }),
  }
}

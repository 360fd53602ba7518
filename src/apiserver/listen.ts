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
import { compressed } from "./compression.ts"
import { fromNode, fromUpgrade, toNode, toSocket } from "./http.ts"
import type { ApiServer } from "./server.ts"

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

/** Listens on `opts.host:opts.port` and drives `api.handle` for every request. */
export async function listen(api: ApiServer, opts: ListenOptions = {}): Promise<Listening> {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const apiReq = fromNode(req, res)
    api
      .handle(apiReq)
      .then((r) => toNode(compressed(r, req.headers["accept-encoding"]), res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500)
        res.end()
      })
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
    url: `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const s of upgraded) s.destroy()
      }),
  }
}

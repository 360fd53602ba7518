/**
 * One node API server for a whole pool of hollow nodes: `/stats/summary` and
 * `/metrics/resource` (and `/healthz`) with each node's synthetic usage, so the API server's
 * metrics.k8s.io scraper reads hollow nodes as it reads real kubelets, at
 * `<InternalIP>:<daemonEndpoints port>`. The node is picked by the address the caller dialled
 * (the Host header, else the socket's local address); a pool of one node answers for any
 * address. One listener and one small map for thousands of nodes.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { badRequest } from "../../api/index.ts"
import { createNodeApiServer, listenOn, type NodeApiTls } from "../node-api-listener.ts"
import { resourceMetricsText } from "../stats/resource-metrics.ts"
import type { Summary } from "../stats/summary-types.ts"
import { PROMETHEUS_TEXT_TYPE } from "../../util/index.ts"

/** What the server reads: HollowNodes, or a holder of one made after the port is known. */
export interface HollowNodeSource {
  /** The node reporting this address. */
  nodeAt(address: string): string | undefined
  /** The node's summary now. */
  summary(name: string): Summary | undefined
}

/** Options of HollowStatsServer. */
export interface HollowStatsServerOptions {
  readonly nodes: HollowNodeSource
  /** "0.0.0.0" serves every address of the host (nodes on distinct loopback addresses). */
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** Serve HTTPS and require a client certificate signed by `ca`. */
  readonly tls?: NodeApiTls
}

function hostOf(req: IncomingMessage): string | undefined {
  const h = req.headers.host
  if (!h) return undefined
  try {
    return new URL(`http://${h}`).hostname.replace(/^\[(.*)\]$/, "$1")
  } catch {
    return undefined
  }
}

/**
 * The kubelet's endpoints that reach a container's process or its output: a hollow container has
 * neither, so each is a clear 400. The streaming ones answer a Status, as the kubelet's streaming
 * server does (clients read its message from a refused upgrade); logs answer text, as its log
 * handler does.
 */
const CONTAINER_ENDPOINTS: Record<string, { readonly what: string; readonly status: boolean }> = {
  exec: { what: "exec", status: true },
  attach: { what: "attach", status: true },
  portForward: { what: "port-forward", status: true },
  run: { what: "run", status: true },
  containerLogs: { what: "logs", status: false },
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { "content-type": type })
  res.end(body)
}

/** Serves the stats endpoints of every node of a HollowNodes pool. */
export class HollowStatsServer {
  readonly #o: HollowStatsServerOptions
  #server: Server | undefined

  constructor(opts: HollowStatsServerOptions) {
    this.#o = opts
  }

  /** Listens; resolves with the port. */
  async listen(): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res)
    const server = createNodeApiServer(this.#o.tls, handler)
    this.#server = server
    return listenOn(server, this.#o.port, this.#o.host)
  }

  /** Stops listening. */
  async close(): Promise<void> {
    const s = this.#server
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  /** The node the request is for. */
  #nodeOf(req: IncomingMessage): string | undefined {
    const nodes = this.#o.nodes
    const host = hostOf(req)
    const local = req.socket.localAddress?.replace(/^::ffff:/, "")
    return (host && nodes.nodeAt(host)) || (local && nodes.nodeAt(local)) || undefined
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://kubelet").pathname
    const text = "text/plain; charset=utf-8"
    if (path === "/healthz") return send(res, 200, text, "ok")
    const endpoint = CONTAINER_ENDPOINTS[path.split("/")[1] ?? ""]
    if (endpoint !== undefined) {
      const name = this.#nodeOf(req)
      if (name === undefined)
        return send(res, 404, text, `no hollow node at ${hostOf(req) ?? "this address"}`)
      const message = `${endpoint.what} is not available on hollow node ${name}: its containers run no process`
      if (!endpoint.status) return send(res, 400, text, message)
      const status = badRequest(message).toStatus()
      return send(res, 400, "application/json", JSON.stringify(status))
    }
    if (req.method !== "GET" || (path !== "/stats/summary" && path !== "/metrics/resource"))
      return send(res, 404, text, "404 page not found")
    const name = this.#nodeOf(req)
    const summary = name === undefined ? undefined : this.#o.nodes.summary(name)
    if (!summary) return send(res, 404, text, `no hollow node at ${hostOf(req) ?? "this address"}`)
    if (path === "/stats/summary") return send(res, 200, "application/json", JSON.stringify(summary))
    send(res, 200, PROMETHEUS_TEXT_TYPE, resourceMetricsText(summary))
  }
}

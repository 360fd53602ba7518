/**
 * The DNS server's Prometheus endpoint: `GET /metrics` over plain HTTP on its own port (9153 by
 * default, as CoreDNS's prometheus plugin), answering from the DNS server's registry.
 */
import { createServer, type Server } from "node:http"
import type { Registry } from "prom-client"
import { type Logger, PROMETHEUS_TEXT_TYPE, prometheusText, silentLogger } from "../util/index.ts"

/** Options of serveDnsMetrics. */
export interface DnsMetricsServerOptions {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly registry: Registry
  readonly log?: Logger
}

/** A listening metrics endpoint. */
export interface DnsMetricsServer {
  readonly port: number
  close(): Promise<void>
}

/**
 * Serves `registry` at http://host:port/metrics.
 * @throws Error when the address cannot be bound (in use, or not local)
 */
export async function serveDnsMetrics(opts: DnsMetricsServerOptions): Promise<DnsMetricsServer> {
  const log = opts.log ?? silentLogger()
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404).end("404 page not found\n")
      return
    }
    prometheusText(opts.registry).then(
      (text) => res.writeHead(200, { "content-type": PROMETHEUS_TEXT_TYPE }).end(text),
      (err: unknown) => {
        log.warn({ err: String(err) }, "Cannot collect DNS metrics")
        res.writeHead(500).end()
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address()
  return {
    port: typeof address === "object" && address ? address.port : opts.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * The kubelet's node API, which only the API server calls: container logs
 * (`/containerLogs/<namespace>/<pod>/<container>` with follow, previous, tailLines,
 * sinceSeconds, sinceTime, timestamps and limitBytes, as upstream's kubelet serves them), the
 * streaming endpoints exec, attach and portForward (upgrades, streaming/serve.ts), the stats
 * endpoints (`/stats/summary`, `/metrics/resource`, cAdvisor's `/metrics/cadvisor`), Prometheus
 * `/metrics` and `/metrics/probes`, `/pods` (the pods this kubelet runs), `/configz` (its
 * configuration) and `/healthz`; not `/spec`, which upstream removed in 1.21. HTTPS
 * with client certificates from the cluster CA when given certificates.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { createNodeApiServer, listenOn, type NodeApiTls } from "./node-api-listener.ts"
import type { Duplex } from "node:stream"
import { followLog, readLog, type LogReadOptions } from "./runtime/cri-log.ts"
import type { KubeletMetrics } from "./metrics/kubelet-metrics.ts"
import { anyContainerRecord, type PodRecord } from "./pod-state.ts"
import type { ContainerRuntime } from "./runtime/runtime.ts"
import { serveStreaming } from "./streaming/serve.ts"
import { resourceMetricsText } from "./stats/resource-metrics.ts"
import { type ContainerIdentity, cadvisorMetricsText } from "./stats/cadvisor-metrics.ts"
import type { Pod } from "kubernetes-types/core/v1.js"
import { type PodLogOptions, podLogOptions, validatePodLogOptions } from "../api/index.ts"
import type { Summary } from "./stats/summary-types.ts"
import { PROMETHEUS_TEXT_TYPE, prometheusText } from "../util/index.ts"

/** Options of KubeletServer. */
export interface KubeletServerOptions {
  /** The kubelet's record of a pod (Kubelet.record). */
  readonly records: (namespace: string, name: string) => PodRecord | undefined
  readonly runtime: ContainerRuntime
  /** The node's and its pods' usage now (no stats endpoints without it). */
  readonly summary?: () => Summary
  /** The pods bound to this node as the kubelet last saw them (no /pods without it). */
  readonly pods?: () => readonly Pod[]
  /** The kubelet's metrics (no /metrics without them). */
  readonly metrics?: () => KubeletMetrics | undefined
  /** The kubelet's configuration (Kubelet.configuration; no /configz without it). */
  readonly configz?: () => Record<string, unknown> | undefined
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** Serve HTTPS and require a client certificate signed by `ca`. */
  readonly tls?: NodeApiTls
}

function fail(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { "content-type": "text/plain; charset=utf-8" })
  res.end(message)
}

/** What the runtime's log reader needs of a request's PodLogOptions. */
function logReadOptions(o: PodLogOptions): LogReadOptions {
  const sinceMs =
    o.sinceSeconds !== undefined
      ? Date.now() - o.sinceSeconds * 1000
      : o.sinceTime !== undefined
        ? Date.parse(o.sinceTime)
        : undefined
  return {
    ...(o.tailLines !== undefined ? { tailLines: o.tailLines } : {}),
    ...(o.limitBytes !== undefined ? { limitBytes: o.limitBytes } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    timestamps: !!o.timestamps,
  }
}

/** Serves the node API. */
export class KubeletServer {
  readonly #o: KubeletServerOptions
  #server: Server | undefined
  readonly #upgraded = new Set<Duplex>()

  constructor(opts: KubeletServerOptions) {
    this.#o = opts
  }

  /** Listens; resolves with the port. */
  async listen(): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) fail(res, 500, String(err))
        else res.end()
      })
    }
    const server = createNodeApiServer(this.#o.tls, handler)
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Upgraded sockets leave the server's bookkeeping: close() ends them itself.
      this.#upgraded.add(socket)
      socket.once("close", () => this.#upgraded.delete(socket))
      socket.on("error", () => socket.destroy())
      serveStreaming(this.#o, req, socket, head).catch(() => socket.destroy())
    })
    this.#server = server
    return listenOn(server, this.#o.port, this.#o.host)
  }

  /** Stops listening and ends open streams. */
  async close(): Promise<void> {
    const s = this.#server
    if (!s) return
    s.closeAllConnections()
    for (const socket of this.#upgraded) socket.destroy()
    await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://kubelet")
    if (url.pathname === "/healthz") return fail(res, 200, "ok")
    if (/^\/(exec|attach|portForward)\//.test(url.pathname)) return fail(res, 400, "Upgrade request required")
    if (req.method === "GET" && (await this.#observability(res, url.pathname))) return
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname)
    if (!m || req.method !== "GET") return fail(res, 404, "404 page not found")
    const [, ns = "", pod = "", container = ""] = m.map(decodeURIComponent)
    return this.#logs(res, { ns, pod, container }, url.searchParams)
  }

  /** The stats and metrics endpoints; false when `path` is none of them (or not served). */
  async #observability(res: ServerResponse, path: string): Promise<boolean> {
    const summary = this.#o.summary
    if (summary && path === "/stats/summary") {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify(summary()))
      return true
    }
    if (summary && path === "/metrics/cadvisor") {
      res.writeHead(200, { "content-type": PROMETHEUS_TEXT_TYPE })
      res.end(cadvisorMetricsText(summary(), (ns, pod, name) => this.#running(ns, pod, name), Date.now()))
      return true
    }
    const config = path === "/configz" ? this.#o.configz?.() : undefined
    if (config) {
      // As upstream's configz handler: each component's configuration under its name.
      res.writeHead(200, { "content-type": "application/json", "x-content-type-options": "nosniff" })
      res.end(JSON.stringify({ kubeletconfig: config }))
      return true
    }
    if (this.#o.pods && path === "/pods") {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: {}, items: this.#o.pods() }))
      return true
    }
    if (summary && path === "/metrics/resource") {
      res.writeHead(200, { "content-type": PROMETHEUS_TEXT_TYPE })
      res.end(resourceMetricsText(summary()))
      return true
    }
    const metrics = this.#o.metrics?.()
    if (metrics && (path === "/metrics" || path === "/metrics/probes")) {
      const registry = path === "/metrics" ? metrics.registry : metrics.probeRegistry
      const text = await prometheusText(registry)
      res.writeHead(200, { "content-type": PROMETHEUS_TEXT_TYPE })
      res.end(text)
      return true
    }
    return false
  }

  /** The ID and image of container `name` of a pod, while the runtime runs it. */
  #running(namespace: string, pod: string, name: string): ContainerIdentity | undefined {
    const info = this.#o.records(namespace, pod)?.containers.get(name)?.current
    if (!info || this.#o.runtime.container(info.id)?.state !== "running") return undefined
    return { id: info.id, image: info.image }
  }

  async #logs(
    res: ServerResponse,
    t: { ns: string; pod: string; container: string },
    q: URLSearchParams,
  ): Promise<void> {
    // As upstream's kubelet answers a query it cannot decode, or options that are not valid.
    let logOpts: PodLogOptions
    try {
      logOpts = podLogOptions(q)
    } catch {
      return fail(res, 400, '{"message": "Unable to decode query."}')
    }
    if (validatePodLogOptions(logOpts).length > 0) return fail(res, 422, '{"message": "Invalid request."}')
    const record = this.#o.records(t.ns, t.pod)
    const r = anyContainerRecord(record, t.container)
    const info = logOpts.previous ? r?.previous : r?.current
    if (!info) {
      const which = logOpts.previous ? "previous terminated container" : "container"
      return fail(res, 400, `${which} "${t.container}" in pod "${t.pod}" not found`)
    }
    const opts = logReadOptions(logOpts)
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "transfer-encoding": "chunked" })
    if (!logOpts.follow) {
      res.end(readLog(info.logPath, opts))
      return
    }
    const stop = new AbortController()
    res.on("close", () => stop.abort())
    const id = info.id
    const isDone = () => this.#o.runtime.container(id)?.state !== "running"
    for await (const chunk of followLog(info.logPath, { ...opts, isDone }, stop.signal)) res.write(chunk)
    res.end()
  }
}

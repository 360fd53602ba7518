/**
 * rest_client_requests_total of in-process clients: client-go's count of requests by result, as
 * component-base declares it, for the components that reach the API server through its handler
 * (the controller manager, scheduler, kubelet, proxy and DNS of `k8ts server`, on this thread or
 * in component threads). A request counts once its response starts (a watch when its stream
 * does), labelled with the status code ("<error>" when none came), the HTTP method and the host:
 * an in-process client has no URL of its own, so the address the server serves its clients at.
 */
import { Counter, type Registry } from "prom-client"
import { kubeHelp } from "../util/index.ts"
import type { InProcessHandler } from "./in-process-client.ts"

/** Options of countRestClientRequests. */
export interface RestClientMetricsOptions {
  /** Where the counter is registered. */
  readonly registry: Registry
  /** The `host` label: the API server's host:port. */
  readonly host: string
}

/** `handle`, counting each request it answers in rest_client_requests_total. */
export function countRestClientRequests(
  handle: InProcessHandler,
  opts: RestClientMetricsOptions,
): InProcessHandler {
  const counter = new Counter({
    name: "rest_client_requests_total",
    help: kubeHelp("ALPHA", "Number of HTTP requests, partitioned by status code, method, and host."),
    labelNames: ["code", "method", "host"],
    registers: [opts.registry],
  })
  // Series by method, then code: no labels object per request.
  const series = new Map<string, Map<string, { inc(): void }>>()
  const count = (method: string, code: string) => {
    let byCode = series.get(method)
    if (!byCode) series.set(method, (byCode = new Map()))
    let s = byCode.get(code)
    if (!s) byCode.set(code, (s = counter.labels({ code, method, host: opts.host })))
    s.inc()
  }
  return async (req) => {
    let res: Awaited<ReturnType<InProcessHandler>>
    try {
      res = await handle(req)
    } catch (err) {
      count(req.method, "<error>")
      throw err
    }
    count(req.method, String(res.status))
    return res
  }
}

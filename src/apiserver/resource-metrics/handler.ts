/**
 * GET and LIST of metrics.k8s.io/v1beta1 NodeMetrics (`nodes`) and PodMetrics (`pods`, namespaced),
 * answered from the scraper's latest points with label selectors against the nodes' and pods'
 * labels, shaped as metrics-server answers.
 */
import { ApiError, type ApiObject } from "../../api/index.ts"
import type { ApiResponse } from "../http.ts"
import { json } from "../output.ts"
import { parseLabelSelector } from "../selectors.ts"
import type { ResourceRequest } from "../handlers/context.ts"
import type { MetricsPoints, NodePoint, PodPoint, Usage } from "./points.ts"
import { rfc3339 } from "../../util/index.ts"

const GROUP_VERSION = "metrics.k8s.io/v1beta1"

/** A Go time.Duration's text of `ms` (15s, 14.999s, 1m0.5s). */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms)) / 1000
  const m = Math.floor(total / 60)
  const s = Number((total - m * 60).toFixed(3))
  return m > 0 ? `${m}m${s}s` : `${s}s`
}

function usageOf(u: Usage): { cpu: string; memory: string } {
  return { cpu: `${Math.round(u.cpuNanoCores)}n`, memory: `${Math.round(u.memoryBytes / 1024)}Ki` }
}

/** The node or pod a point was scraped from, if it still exists (from the watch cache). */
function objectOf(r: ResourceRequest, resource: "pods" | "nodes", ns: string, name: string) {
  const prefix = `/registry/${resource}/`
  return r.parts.cache.resource(prefix).objects.get(`${prefix}${ns ? `${ns}/` : ""}${name}`)
}

function nodeMetrics(r: ResourceRequest, p: NodePoint, now: string): ApiObject | undefined {
  const node = objectOf(r, "nodes", "", p.name)
  if (!node) return undefined
  const labels = node.metadata?.labels
  return {
    kind: "NodeMetrics",
    apiVersion: GROUP_VERSION,
    metadata: { name: p.name, creationTimestamp: now, ...(labels ? { labels } : {}) },
    timestamp: rfc3339(p.timestamp),
    window: goDuration(p.windowMs),
    usage: usageOf(p),
  } as ApiObject
}

function podMetrics(r: ResourceRequest, p: PodPoint, now: string): ApiObject | undefined {
  const pod = objectOf(r, "pods", p.namespace, p.name)
  if (!pod) return undefined
  const labels = pod.metadata?.labels
  return {
    kind: "PodMetrics",
    apiVersion: GROUP_VERSION,
    metadata: {
      name: p.name,
      namespace: p.namespace,
      creationTimestamp: now,
      ...(labels ? { labels } : {}),
    },
    timestamp: rfc3339(p.timestamp),
    window: goDuration(p.windowMs),
    containers: p.containers.map((c) => ({ name: c.name, usage: usageOf(c) })),
  } as ApiObject
}

function notFound(resource: string, name: string): ApiError {
  return new ApiError("NotFound", `${resource}.metrics.k8s.io "${name}" not found`)
}

/** Serves one metrics.k8s.io request. */
export function serveResourceMetrics(r: ResourceRequest, points: MetricsPoints): ApiResponse {
  const resource = r.served.info.resource as "pods" | "nodes"
  const now = rfc3339(r.parts.clock.now())
  // As metrics-server, only nodes and pods that exist now: a point scraped before a delete is
  // not served until the next scrape drops it.
  const all = (
    resource === "nodes"
      ? [...points.nodes.values()].map((p) => nodeMetrics(r, p, now))
      : points.pods(r.namespace || undefined).map((p) => podMetrics(r, p, now))
  ).filter((o): o is ApiObject => o !== undefined)
  if (r.ri.verb === "get") {
    const one = all.find((o) => o.metadata?.name === r.ri.name)
    if (!one) throw notFound(resource === "nodes" ? "nodemetrics" : "podmetrics", r.ri.name)
    return json(200, one)
  }
  if (r.ri.verb !== "list")
    throw new ApiError("MethodNotAllowed", "the server does not allow this method on the requested resource")
  const match = parseLabelSelector(r.req.query.get("labelSelector") ?? "")
  const fields = r.req.query.get("fieldSelector") ?? ""
  const nameIs = /^metadata\.name=(.+)$/.exec(fields)?.[1]
  const items = all
    .filter((o) => !match || match(o.metadata?.labels ?? {}))
    .filter((o) => !nameIs || o.metadata?.name === nameIs)
    .sort((a, b) =>
      `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
        `${b.metadata?.namespace}/${b.metadata?.name}`,
      ),
    )
  return json(200, {
    kind: resource === "nodes" ? "NodeMetricsList" : "PodMetricsList",
    apiVersion: GROUP_VERSION,
    metadata: {},
    items,
  })
}

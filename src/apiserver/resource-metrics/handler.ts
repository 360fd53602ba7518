/**
 * GET and LIST of metrics.k8s.io/v1beta1 NodeMetrics (`nodes`) and PodMetrics (`pods`, namespaced),
 * answered from the scraper's latest points with label selectors against the nodes' and pods'
 * labels, shaped as metrics-server answers, as a Table too (`kubectl get podmetrics`).
 */
import { ApiError, type ApiObject } from "../../api/index.ts"
import type { ApiResponse } from "../http.ts"
import { chooseOutput } from "../negotiate.ts"
import { json } from "../output.ts"
import { tableContentType, tableOf } from "../table.ts"
import { resourceMetricsPrinter } from "../table/index.ts"
import { parseLabelSelector } from "../selectors.ts"
import type { ResourceRequest } from "../handlers/context.ts"
import type { MetricsPoints, NodePoint, PodPoint, Usage } from "./points.ts"
import { goDuration, rfc3339 } from "../../util/index.ts"

const GROUP_VERSION = "metrics.k8s.io/v1beta1"

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

/** `objects` as the request asks for them: a Table (metrics-server's columns), else `body`. */
function respond(r: ResourceRequest, objects: readonly ApiObject[], body: unknown): ApiResponse {
  const out = chooseOutput(r.req.header("accept"), { table: true })
  if (out?.kind !== "table") return json(200, body)
  const table = tableOf(r.served.info, objects, {
    query: r.req.query,
    now: r.parts.clock.now(),
    listMeta: {},
    printer: resourceMetricsPrinter(objects),
  })
  return {
    status: 200,
    headers: { "content-type": tableContentType(out.version) },
    body: JSON.stringify(table),
  }
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
    return respond(r, [one], one)
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
  return respond(r, items, {
    kind: resource === "nodes" ? "NodeMetricsList" : "PodMetricsList",
    apiVersion: GROUP_VERSION,
    metadata: {},
    items,
  })
}

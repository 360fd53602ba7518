/**
 * Where the HPA reads pod usage: the resource metrics API (metrics.k8s.io PodMetrics), as
 * upstream's REST metrics client. Values are in thousandths (millicores, millibytes).
 */
import { milliValue, PodMetricses, type PodMetrics } from "../../api/index.ts"
import type { Client } from "../../client/index.ts"

/** One pod's usage of a resource. */
export interface PodMetric {
  /** When the window ended (ms since the epoch). */
  readonly timestamp: number
  readonly windowMs: number
  /** Thousandths of the resource's unit. */
  readonly value: number
}

/** Pod name → usage. */
export type PodMetricsInfo = Map<string, PodMetric>

/** The source of resource metrics (a fake in tests). */
export interface MetricsClient {
  /**
   * Usage of `resource` by the pods of `namespace` matching `selector` (a label selector
   * string): summed over their containers, or only `container`'s when given.
   * @throws Error when the API has no metrics for them
   */
  getResourceMetric(
    resource: string,
    namespace: string,
    selector: string,
    container: string,
  ): Promise<{ metrics: PodMetricsInfo; timestamp: number }>
}

function parseWindow(w: string): number {
  let ms = 0
  for (const [, n, unit] of w.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) {
    ms += Number(n) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[unit as "h"] ?? 0)
  }
  return ms
}

/** Usage of one pod, or undefined when a container lacks the resource (or `container` is absent). */
export function podUsage(m: PodMetrics, resource: string, container: string): number | undefined {
  let sum = 0
  let found = false
  for (const c of m.containers ?? []) {
    if (container && c.name !== container) continue
    const v = c.usage?.[resource]
    if (v === undefined) return undefined
    sum += milliValue(v)
    found = true
  }
  return found ? sum : undefined
}

/** A MetricsClient over the metrics.k8s.io API. */
export function resourceMetricsClient(client: Client): MetricsClient {
  return {
    async getResourceMetric(resource, namespace, selector, container) {
      const list = await client.resource(PodMetricses).list({ namespace, labelSelector: selector })
      if (list.items.length === 0) throw new Error("no metrics returned from resource metrics API")
      const metrics: PodMetricsInfo = new Map()
      for (const m of list.items) {
        const value = podUsage(m, resource, container)
        if (value === undefined) continue
        const timestamp = Date.parse(m.timestamp)
        metrics.set(m.metadata?.name ?? "", { timestamp, windowMs: parseWindow(m.window), value })
      }
      if (metrics.size === 0 && container)
        throw new Error(
          `failed to get container metrics: container ${container} not present in metrics for any pod`,
        )
      const first = list.items[0]
      return { metrics, timestamp: first ? Date.parse(first.timestamp) : 0 }
    },
  }
}

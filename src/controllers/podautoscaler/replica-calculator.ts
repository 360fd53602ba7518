/**
 * The HPA's replica calculation (upstream's ReplicaCalculator), pure: the usage ratio of the
 * ready pods against the target, a 10% tolerance, and the conservative treatment of pods
 * without metrics (assumed at 100% of request when scaling down, 0% when scaling up) and of
 * not-yet-ready pods (assumed at 0% when scaling up).
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { milliValue, podReadyCondition } from "../../api/index.ts"
import type { PodMetricsInfo } from "./metrics-client.ts"

/** --horizontal-pod-autoscaler-tolerance. */
export const DEFAULT_TOLERANCE = 0.1
/** --horizontal-pod-autoscaler-cpu-initialization-period. */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000
/** --horizontal-pod-autoscaler-initial-readiness-delay. */
export const INITIAL_READINESS_DELAY_MS = 30_000

/** What a calculation needs besides the pods and metrics. */
export interface CalcContext {
  readonly currentReplicas: number
  readonly now: number
  readonly tolerance?: number
}

/** A proposal: the replica count and the usage it was computed from. */
export interface Proposal {
  readonly replicas: number
  /** Average utilization in percent of request (Utilization targets). */
  readonly utilization: number
  /** The average usage per pod, in thousandths. */
  readonly rawAverage: number
  readonly timestamp: number
}

interface Grouped {
  readyPodCount: number
  unready: Set<string>
  missing: Set<string>
  ignored: Set<string>
}

/** Whether a pod counts as unready for CPU (upstream's rules around the initialization period). */
function cpuUnready(pod: Pod, metric: { timestamp: number; windowMs: number }, now: number): boolean {
  const cond = podReadyCondition(pod)
  const start = Date.parse(pod.status?.startTime ?? "")
  if (!cond || Number.isNaN(start)) return true
  const transition = Date.parse(cond.lastTransitionTime ?? "") || 0
  if (start + CPU_INITIALIZATION_PERIOD_MS > now) {
    return cond.status === "False" || metric.timestamp < transition + metric.windowMs
  }
  return cond.status === "False" && start + INITIAL_READINESS_DELAY_MS > transition
}

/** Sorts pods into ready (with metrics), unready, missing metrics and ignored. */
export function groupPods(
  pods: readonly Pod[],
  metrics: PodMetricsInfo,
  resource: string,
  now: number,
): Grouped {
  const g: Grouped = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() }
  for (const pod of pods) {
    const name = pod.metadata?.name ?? ""
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === "Failed") {
      g.ignored.add(name)
      continue
    }
    if (pod.status?.phase === "Pending") {
      g.unready.add(name)
      continue
    }
    const metric = metrics.get(name)
    if (!metric) {
      g.missing.add(name)
      continue
    }
    if (resource === "cpu" && cpuUnready(pod, metric, now)) g.unready.add(name)
    else g.readyPodCount++
  }
  return g
}

/**
 * Each pod's request of `resource` (thousandths), summed over its containers or only
 * `container`'s. @throws Error naming the container without a request
 */
export function podRequests(pods: readonly Pod[], resource: string, container: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const pod of pods) {
    let sum = 0
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue
      const req = c.resources?.requests?.[resource]
      if (req === undefined)
        throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name}`)
      sum += milliValue(req)
    }
    out.set(pod.metadata?.name ?? "", sum)
  }
  return out
}

function utilizationRatio(metrics: PodMetricsInfo, requests: Map<string, number>, target: number) {
  let used = 0
  let requested = 0
  let n = 0
  for (const [name, m] of metrics) {
    const r = requests.get(name)
    if (r === undefined) continue
    used += m.value
    requested += r
    n++
  }
  if (requested === 0) throw new Error("no metrics returned matched known pods")
  const utilization = Math.trunc((used * 100) / requested)
  return { ratio: utilization / target, utilization, rawAverage: n ? used / n : 0 }
}

function withoutPods(metrics: PodMetricsInfo, names: Iterable<string>): PodMetricsInfo {
  const out = new Map(metrics)
  for (const n of names) out.delete(n)
  return out
}

function latest(metrics: PodMetricsInfo): number {
  let t = 0
  for (const m of metrics.values()) t = Math.max(t, m.timestamp)
  return t
}

/** The pods grouped and the metrics of the ready ones. @throws Error when there are none */
function usable(pods: readonly Pod[], all: PodMetricsInfo, resource: string, now: number) {
  if (pods.length === 0) throw new Error("no pods returned by selector while calculating replica count")
  const g = groupPods(pods, all, resource, now)
  const metrics = withoutPods(withoutPods(all, g.ignored), g.unready)
  if (metrics.size === 0) throw new Error("did not receive metrics for targeted pods (pods might be unready)")
  return { g, metrics }
}

/** The shared part of both calculations once the ratio function is fixed. */
function calculate(
  ctx: CalcContext,
  pods: readonly Pod[],
  all: PodMetricsInfo,
  resource: string,
  ratioOf: (m: PodMetricsInfo) => { ratio: number; utilization: number; rawAverage: number },
  fill: (name: string, ratio: number) => number,
): Proposal {
  const tolerance = ctx.tolerance ?? DEFAULT_TOLERANCE
  const { g, metrics } = usable(pods, all, resource, ctx.now)
  const timestamp = latest(metrics)
  const first = ratioOf(metrics)
  const keep = { utilization: first.utilization, rawAverage: first.rawAverage, timestamp }
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return { replicas: ctx.currentReplicas, ...keep }
    return { replicas: Math.ceil(first.ratio * g.readyPodCount), ...keep }
  }
  if (g.missing.size > 0) {
    for (const name of g.missing) {
      metrics.set(name, { timestamp, windowMs: 0, value: first.ratio < 1 ? fill(name, first.ratio) : 0 })
    }
  }
  if (scaleUpWithUnready)
    for (const name of g.unready) metrics.set(name, { timestamp, windowMs: 0, value: 0 })
  const next = ratioOf(metrics).ratio
  const flipped = (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1)
  if (Math.abs(1 - next) <= tolerance || flipped) return { replicas: ctx.currentReplicas, ...keep }
  const replicas = Math.ceil(next * metrics.size)
  const reversed =
    (next < 1 && replicas > ctx.currentReplicas) || (next > 1 && replicas < ctx.currentReplicas)
  return { replicas: reversed ? ctx.currentReplicas : replicas, ...keep }
}

/** Replicas for a Utilization target (percent of request). @throws Error when it cannot be computed */
export function resourceReplicas(
  ctx: CalcContext,
  pods: readonly Pod[],
  metrics: PodMetricsInfo,
  resource: string,
  targetUtilization: number,
  container = "",
): Proposal {
  const requests = podRequests(pods, resource, container)
  return calculate(
    ctx,
    pods,
    metrics,
    resource,
    (m) => utilizationRatio(m, requests, targetUtilization),
    (name) => ((requests.get(name) ?? 0) * Math.max(100, targetUtilization)) / 100,
  )
}

/** Replicas for an AverageValue target (thousandths per pod). @throws Error when it cannot be computed */
export function averageValueReplicas(
  ctx: CalcContext,
  pods: readonly Pod[],
  metrics: PodMetricsInfo,
  resource: string,
  targetAverage: number,
): Proposal {
  const ratioOf = (m: PodMetricsInfo) => {
    let sum = 0
    for (const v of m.values()) sum += v.value
    const avg = sum / m.size
    return { ratio: avg / targetAverage, utilization: 0, rawAverage: avg }
  }
  return calculate(ctx, pods, metrics, resource, ratioOf, () => targetAverage)
}

/**
 * The replica count an HPA's metrics ask for (upstream's computeReplicasForMetrics): each
 * metric's proposal, the highest wins; a metric that cannot be computed sets ScalingActive
 * False with upstream's reason. Resource and ContainerResource metrics come from the resource
 * metrics API; Pods, Object and External metrics need a custom or external metrics API, which
 * k8ts does not serve.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import type { MetricSpec, MetricStatus, MetricValueStatus } from "kubernetes-types/autoscaling/v2.js"
import { milliValue, quantityOfMilli } from "../../api/index.ts"
import type { MetricsClient } from "./metrics-client.ts"
import { averageValueReplicas, type CalcContext, resourceReplicas } from "./replica-calculator.ts"

/** A failed metric: the ScalingActive reason, the event reason and the error. */
export class MetricError extends Error {
  override name = "MetricError"
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message)
  }
}

/** One metric's proposal. */
interface MetricProposal {
  readonly replicas: number
  /** e.g. "cpu resource utilization (percentage of request)". */
  readonly name: string
  readonly status: MetricStatus
}

/** What computing needs: the target's pods, the metrics source and the calculation context. */
export interface ComputeArgs {
  readonly namespace: string
  readonly selector: string
  readonly pods: readonly Pod[]
  readonly metrics: MetricsClient
  readonly ctx: CalcContext
}

const NO_CUSTOM: Record<string, [string, string]> = {
  Pods: ["FailedGetPodsMetric", "custom metrics API (custom.metrics.k8s.io)"],
  Object: ["FailedGetObjectMetric", "custom metrics API (custom.metrics.k8s.io)"],
  External: ["FailedGetExternalMetric", "external metrics API (external.metrics.k8s.io)"],
}

function metricName(spec: MetricSpec): string {
  return (spec.pods?.metric ?? spec.object?.metric ?? spec.external?.metric)?.name ?? ""
}

async function resourceProposal(spec: MetricSpec, a: ComputeArgs): Promise<MetricProposal> {
  const source = spec.type === "ContainerResource" ? spec.containerResource : spec.resource
  const reason =
    spec.type === "ContainerResource" ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric"
  if (!source) throw new MetricError(reason, `invalid ${spec.type} metric: missing source`)
  const container = spec.containerResource?.container ?? ""
  const kind = container ? "container resource" : "resource"
  const target = source.target
  const what = target.averageUtilization !== undefined ? "utilization" : "usage"
  let got
  try {
    got = await a.metrics.getResourceMetric(source.name, a.namespace, a.selector, container)
  } catch (err) {
    throw new MetricError(
      reason,
      `failed to get ${source.name} ${what}: unable to get metrics for resource ${source.name}: ${(err as Error).message}`,
    )
  }
  const type = spec.type as "Resource" | "ContainerResource"
  const wrap = (current: MetricValueStatus): MetricStatus =>
    type === "Resource"
      ? { type, resource: { name: source.name, current } }
      : { type, containerResource: { name: source.name, container, current } }
  try {
    if (target.averageUtilization !== undefined) {
      const p = resourceReplicas(
        a.ctx,
        a.pods,
        got.metrics,
        source.name,
        target.averageUtilization,
        container,
      )
      return {
        replicas: p.replicas,
        name: `${source.name} ${kind} utilization (percentage of request)`,
        status: wrap({ averageUtilization: p.utilization, averageValue: quantityOfMilli(p.rawAverage) }),
      }
    }
    if (target.averageValue !== undefined) {
      const p = averageValueReplicas(a.ctx, a.pods, got.metrics, source.name, milliValue(target.averageValue))
      return {
        replicas: p.replicas,
        name: `${source.name} ${kind}`,
        status: wrap({ averageValue: quantityOfMilli(p.rawAverage) }),
      }
    }
  } catch (err) {
    throw new MetricError(reason, `failed to get ${source.name} ${what}: ${(err as Error).message}`)
  }
  throw new MetricError(
    reason,
    "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set",
  )
}

/** One metric's proposal. @throws MetricError */
export async function metricProposal(spec: MetricSpec, a: ComputeArgs): Promise<MetricProposal> {
  if (spec.type === "Resource" || spec.type === "ContainerResource") return resourceProposal(spec, a)
  const custom = NO_CUSTOM[spec.type]
  if (custom) {
    const [reason, api] = custom
    throw new MetricError(
      reason,
      `unable to get metric ${metricName(spec)}: unable to fetch metrics from ${api}: it is not served by this cluster`,
    )
  }
  throw new MetricError("InvalidMetricSourceType", `unknown metric source type "${spec.type}"`)
}

/**
 * A failed metric's error as upstream's computeReplicasForMetric returns it: the message of the
 * condition and of the FailedGet* event, wrapped once more by the metric's type.
 */
function metricValueError(spec: MetricSpec, message: string): string {
  switch (spec.type) {
    case "Resource":
      return `failed to get ${spec.resource?.name ?? ""} resource metric value: ${message}`
    case "ContainerResource":
      return `failed to get ${spec.containerResource?.container ?? ""} container metric value: ${message}`
    case "Pods":
      return `failed to get pods metric value: ${message}`
    case "Object": {
      const o = spec.object
      const perPod = o?.target.type === "AverageValue" && o.target.averageValue !== undefined
      return `failed to get object metric value: ${perPod ? `failed to get ${o.metric.name} object metric: ` : ""}${message}`
    }
    case "External": {
      const e = spec.external
      const name = e?.metric.name ?? ""
      const inner =
        e?.target.averageValue !== undefined
          ? `failed to get ${name} external metric: `
          : e?.target.value !== undefined
            ? `failed to get external metric ${name}: `
            : ""
      return `failed to get ${name} external metric value: ${inner}${message}`
    }
  }
  return message
}

/** The outcome over all metrics. */
export interface ComputeResult {
  /** -1 when no metric could be computed (or a failing one might have asked for more). */
  readonly replicas: number
  readonly metric: string
  /** One per metric, in the spec's order; an invalid metric's is empty (type ""), as upstream's zero MetricStatus. */
  readonly statuses: MetricStatus[]
  /**
   * Every metric's failure, in the spec's order: upstream records a Warning event for each as it
   * computes the metric (getUnableComputeReplicaCountCondition); the first sets the condition.
   */
  readonly errors: readonly MetricError[]
  /**
   * With a failure, upstream's error over all metrics (the FailedComputeMetricsReplicas event's
   * message): "invalid metrics (N invalid out of M), first error is: ...".
   */
  readonly invalidMetrics?: string
}

/** Every metric's proposal; the highest wins. */
export async function computeReplicasForMetrics(
  specs: readonly MetricSpec[],
  specReplicas: number,
  a: ComputeArgs,
): Promise<ComputeResult> {
  let replicas = 0
  let metric = ""
  let firstError = ""
  const statuses: MetricStatus[] = []
  const errors: MetricError[] = []
  for (const spec of specs) {
    try {
      const p = await metricProposal(spec, a)
      statuses.push(p.status)
      if (replicas === 0 || p.replicas > replicas) [replicas, metric] = [p.replicas, p.name]
    } catch (err) {
      statuses.push({ type: "" })
      const failure =
        err instanceof MetricError ? err : new MetricError("FailedGetResourceMetric", String(err))
      if (errors.length === 0) firstError = metricValueError(spec, failure.message)
      errors.push(failure)
    }
  }
  const invalid = errors.length
  const failed = invalid
    ? {
        invalidMetrics: `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError}`,
      }
    : {}
  if (invalid >= specs.length || (invalid > 0 && replicas < specReplicas)) {
    return { replicas: -1, metric: "", statuses, errors, ...failed }
  }
  return { replicas, metric, statuses, errors, ...failed }
}

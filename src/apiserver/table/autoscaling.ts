/** The HorizontalPodAutoscaler printer, one for autoscaling/v1 and v2 (v1's CPU target read as a v2 metric), and the Scale subresource's. */
import type { HorizontalPodAutoscaler as HpaV1, Scale } from "kubernetes-types/autoscaling/v1.js"
import type {
  HorizontalPodAutoscaler as HpaV2,
  MetricSpec,
  MetricStatus,
  MetricTarget,
  MetricValueStatus,
} from "kubernetes-types/autoscaling/v2.js"
import { DOCS } from "./descriptions.ts"
import { age, quantity } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, type Printer } from "./types.ts"

type Hpa = HpaV1 | HpaV2

const UNKNOWN = "<unknown>"

function cpuMetric(target: number): MetricSpec {
  return {
    type: "Resource",
    resource: { name: "cpu", target: { type: "Utilization", averageUtilization: target } },
  }
}

/** The v2 metrics and current metrics of either version. */
function metricsOf(hpa: Hpa): { specs: MetricSpec[]; statuses: MetricStatus[] } {
  const spec = hpa.spec as (HpaV1["spec"] & HpaV2["spec"]) | undefined
  const status = hpa.status as (HpaV1["status"] & HpaV2["status"]) | undefined
  const target = spec?.targetCPUUtilizationPercentage
  const current = status?.currentCPUUtilizationPercentage
  return {
    specs: spec?.metrics ?? (target !== undefined ? [cpuMetric(target)] : []),
    statuses:
      status?.currentMetrics ??
      (current !== undefined
        ? [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: current } } }]
        : []),
  }
}

function percent(n: number | undefined): string | undefined {
  return n === undefined ? undefined : `${n}%`
}

/** `current/target` of a value or (with `(avg)`) average-value target, as for Object and External metrics. */
function valueTarget(target: MetricTarget, current: MetricValueStatus | undefined): string {
  if (target.averageValue !== undefined) {
    const cur = current?.averageValue !== undefined ? quantity(current.averageValue) : UNKNOWN
    return `${cur}/${quantity(target.averageValue)} (avg)`
  }
  const cur = current ? quantity(current.value) : UNKNOWN
  return `${cur}/${quantity(target.value)}`
}

/** `name: current/target` of a Resource or ContainerResource metric. */
function resourceTarget(
  name: string,
  target: MetricTarget,
  current: MetricValueStatus | undefined,
  present: boolean,
): string {
  if (target.averageValue !== undefined) {
    const cur = present ? quantity(current?.averageValue) : UNKNOWN
    return `${name}: ${cur}/${quantity(target.averageValue)}`
  }
  const cur = percent(current?.averageUtilization) ?? UNKNOWN
  return `${name}: ${cur}/${percent(target.averageUtilization) ?? "<auto>"}`
}

function podsTarget(spec: MetricSpec, status: MetricStatus | undefined): string {
  const cur = status?.pods ? quantity(status.pods.current.averageValue) : UNKNOWN
  return `${cur}/${quantity(spec.pods?.target.averageValue)}`
}

function resourceMetric(spec: MetricSpec, status: MetricStatus | undefined): string | undefined {
  if (spec.type === "Resource" && spec.resource) {
    const r = spec.resource
    return resourceTarget(r.name, r.target, status?.resource?.current, !!status?.resource)
  }
  if (spec.type === "ContainerResource" && spec.containerResource) {
    const cr = spec.containerResource
    const cur = status?.containerResource
    return resourceTarget(cr.name, cr.target, cur?.current, !!cur)
  }
  return undefined
}

function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  if (spec.type === "External" && spec.external)
    return valueTarget(spec.external.target, status?.external?.current)
  if (spec.type === "Object" && spec.object) return valueTarget(spec.object.target, status?.object?.current)
  if (spec.type === "Pods") return podsTarget(spec, status)
  return resourceMetric(spec, status) ?? "<unknown type>"
}

/** TARGETS: up to two `current/target` metrics, then ` + N more...`; `<none>` without metrics. */
export function hpaTargets(hpa: Hpa): string {
  const { specs, statuses } = metricsOf(hpa)
  if (specs.length === 0) return "<none>"
  const list = specs.map((s, i) => formatMetric(s, statuses[i]))
  const head = list.slice(0, 2).join(", ")
  return list.length > 2 ? `${head} + ${list.length - 2} more...` : head
}

/** HorizontalPodAutoscalers: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE. */
export const hpaPrinter: Printer<Hpa> = {
  columns: [
    NAME_COLUMN,
    column("Reference", "string", DOCS.hpaScaleTargetRef),
    column("Targets", "string", DOCS.hpaMetrics),
    column("MinPods", "string", DOCS.hpaMinReplicas),
    column("MaxPods", "string", DOCS.hpaMaxReplicas),
    column("Replicas", "string", DOCS.hpaCurrentReplicas),
    AGE_COLUMN,
  ],
  cells: (hpa, { now }) => [
    hpa.metadata?.name ?? "",
    `${hpa.spec?.scaleTargetRef.kind ?? ""}/${hpa.spec?.scaleTargetRef.name ?? ""}`,
    hpaTargets(hpa),
    hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : "<unset>",
    hpa.spec?.maxReplicas ?? 0,
    hpa.status?.currentReplicas ?? 0,
    age(hpa, now),
  ],
}

/** autoscaling/v1 Scale (`kubectl get <workload> --subresource=scale`): NAME DESIRED AVAILABLE AGE. */
export const scalePrinter: Printer<Scale> = {
  // Upstream's Name column of Scale carries no "name" format.
  columns: [
    column("Name", "string", DOCS.name),
    column("Desired", "integer", "replicas is the desired number of instances for the scaled object."),
    column(
      "Available",
      "integer",
      "replicas is the actual number of observed instances of the scaled object.",
    ),
    AGE_COLUMN,
  ],
  cells: (s, { now }) => [
    s.metadata?.name ?? "",
    s.spec?.replicas ?? 0,
    s.status?.replicas ?? 0,
    age(s, now),
  ],
}

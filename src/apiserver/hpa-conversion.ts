/**
 * autoscaling/v1 ⇄ v2 HorizontalPodAutoscaler, as upstream converts them: v1 has only a CPU
 * utilization target, so every other metric, metric status, the conditions and the behavior
 * travel in upstream's `autoscaling.alpha.kubernetes.io/*` annotations, in v1's own metric
 * shapes, and come back unchanged when the object is read at v2 again.
 */
import type { ApiObject } from "../api/index.ts"

type Obj = ApiObject & { spec?: any; status?: any }
type Json = Record<string, any>

const PREFIX = "autoscaling.alpha.kubernetes.io/"
const METRICS = `${PREFIX}metrics`
const CURRENT = `${PREFIX}current-metrics`
const CONDITIONS = `${PREFIX}conditions`
const BEHAVIOR = `${PREFIX}behavior`

const SOURCES = ["object", "pods", "resource", "containerResource", "external"] as const

/** The metric's source object (`m.pods` for a Pods metric, ...). */
function sourceOf(m: Json): Json {
  for (const k of SOURCES) if (m[k]) return m[k]
  return {}
}

function defined(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}

/** Which side of a metric travels: the spec's `target` or the status's `current`. */
type Side = "target" | "current"

/** A v2 MetricSpec (side "target") or MetricStatus (side "current") in v1's annotation shape. */
function toV1(m: Json, side: Side): Json {
  const v = sourceOf(m)[side] ?? {}
  const value = `${side}Value`
  const average = `${side}AverageValue`
  switch (m.type) {
    case "Object":
      return {
        type: m.type,
        object: defined({
          target: m.object.describedObject,
          metricName: m.object.metric?.name,
          selector: m.object.metric?.selector,
          [value]: v.value,
          averageValue: v.averageValue,
        }),
      }
    case "Pods":
      return {
        type: m.type,
        pods: defined({
          metricName: m.pods.metric?.name,
          selector: m.pods.metric?.selector,
          [average]: v.averageValue,
        }),
      }
    case "Resource":
    case "ContainerResource": {
      const key = m.type === "Resource" ? "resource" : "containerResource"
      return {
        type: m.type,
        [key]: defined({
          name: m[key].name,
          container: m[key].container,
          [`${side}AverageUtilization`]: v.averageUtilization,
          [average]: v.averageValue,
        }),
      }
    }
    case "External":
      return {
        type: m.type,
        external: defined({
          metricName: m.external.metric?.name,
          metricSelector: m.external.metric?.selector,
          [value]: v.value,
          [average]: v.averageValue,
        }),
      }
  }
  return m
}

/** The v2 `target` (with its type, chosen by which field is set) or `current` of a metric. */
function valueOf(side: Side, kind: "Utilization" | "Value" | "AverageValue", fields: Json): Json {
  return side === "target" ? defined({ type: kind, ...fields }) : defined(fields)
}

/** A v1 annotation MetricSpec (side "target") or MetricStatus (side "current") back in v2's shape. */
function toV2(m: Json, side: Side): Json {
  const value = `${side}Value`
  const average = `${side}AverageValue`
  switch (m.type) {
    case "Object": {
      const o = m.object ?? {}
      return {
        type: m.type,
        object: defined({
          describedObject: o.target,
          metric: defined({ name: o.metricName, selector: o.selector }),
          [side]: valueOf(side, o.averageValue !== undefined ? "AverageValue" : "Value", {
            value: o[value],
            averageValue: o.averageValue,
          }),
        }),
      }
    }
    case "Pods":
      return {
        type: m.type,
        pods: {
          metric: defined({ name: m.pods?.metricName, selector: m.pods?.selector }),
          [side]: valueOf(side, "AverageValue", { averageValue: m.pods?.[average] }),
        },
      }
    case "Resource":
    case "ContainerResource": {
      const key = m.type === "Resource" ? "resource" : "containerResource"
      const r = m[key] ?? {}
      const util = r[`${side}AverageUtilization`]
      return {
        type: m.type,
        [key]: defined({
          name: r.name,
          container: r.container,
          [side]: valueOf(side, util !== undefined ? "Utilization" : "AverageValue", {
            averageUtilization: util,
            averageValue: r[average],
          }),
        }),
      }
    }
    case "External": {
      const e = m.external ?? {}
      return {
        type: m.type,
        external: {
          metric: defined({ name: e.metricName, selector: e.metricSelector }),
          [side]: valueOf(side, e[average] !== undefined ? "AverageValue" : "Value", {
            value: e[value],
            averageValue: e[average],
          }),
        },
      }
    }
  }
  return m
}

function isCpuUtilization(m: Json): boolean {
  return m.type === "Resource" && m.resource?.name === "cpu" && m.resource?.target?.type === "Utilization"
}

function parse(text: string | undefined): any {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The v2 object at autoscaling/v1. */
export function hpaToV1(o: Obj): Obj {
  const spec = o.spec ?? {}
  const status = o.status ?? {}
  const metrics: Json[] = spec.metrics ?? []
  const cpu = metrics.find(isCpuUtilization)
  const others = metrics.filter((m) => m !== cpu)
  const current: Json[] = status.currentMetrics ?? []
  const cpuStatus = current.find((m) => m.type === "Resource" && m.resource?.name === "cpu")
  const otherStatus = current.filter((m) => m !== cpuStatus)
  const annotations: Record<string, string> = { ...o.metadata?.annotations }
  if (others.length) annotations[METRICS] = JSON.stringify(others.map((m) => toV1(m, "target")))
  if (otherStatus.length) annotations[CURRENT] = JSON.stringify(otherStatus.map((m) => toV1(m, "current")))
  if (status.conditions?.length) annotations[CONDITIONS] = JSON.stringify(status.conditions)
  if (spec.behavior) annotations[BEHAVIOR] = JSON.stringify(spec.behavior)
  return {
    ...o,
    apiVersion: "autoscaling/v1",
    metadata: { ...o.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: defined({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      targetCPUUtilizationPercentage: cpu?.resource?.target?.averageUtilization,
    }),
    status: defined({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuStatus?.resource?.current?.averageUtilization,
    }),
  }
}

/** The v1 object at autoscaling/v2 (its annotations turned back into fields). */
export function hpaToV2(o: Obj): Obj {
  const spec = o.spec ?? {}
  const status = o.status ?? {}
  const annotations: Record<string, string> = { ...o.metadata?.annotations }
  const others: Json[] = (parse(annotations[METRICS]) ?? []).map((m: Json) => toV2(m, "target"))
  const otherStatus: Json[] = (parse(annotations[CURRENT]) ?? []).map((m: Json) => toV2(m, "current"))
  const conditions = parse(annotations[CONDITIONS])
  const behavior = parse(annotations[BEHAVIOR])
  for (const k of [METRICS, CURRENT, CONDITIONS, BEHAVIOR]) delete annotations[k]
  const cpu =
    spec.targetCPUUtilizationPercentage !== undefined
      ? [
          {
            type: "Resource",
            resource: {
              name: "cpu",
              target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage },
            },
          },
        ]
      : []
  const cpuStatus =
    status.currentCPUUtilizationPercentage !== undefined
      ? [
          {
            type: "Resource",
            resource: {
              name: "cpu",
              current: { averageUtilization: status.currentCPUUtilizationPercentage },
            },
          },
        ]
      : []
  const metrics = [...cpu, ...others]
  const currentMetrics = [...cpuStatus, ...otherStatus]
  const meta = { ...o.metadata }
  if (Object.keys(annotations).length) meta.annotations = annotations
  else delete meta.annotations
  return {
    ...o,
    apiVersion: "autoscaling/v2",
    metadata: meta,
    spec: defined({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics: metrics.length ? metrics : undefined,
      behavior,
    }),
    status: defined({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      // v2's currentReplicas is omitempty: a zero is left out (v1's is always written).
      currentReplicas: status.currentReplicas || undefined,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics: currentMetrics.length ? currentMetrics : undefined,
      conditions,
    }),
  }
}

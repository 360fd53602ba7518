/**
 * Conversions between served and stored forms: autoscaling/v1 ⇄ v2 HorizontalPodAutoscaler (the
 * metrics v1 cannot express kept in upstream's annotations, so a round trip loses nothing), and
 * events.k8s.io/v1 ⇄ core/v1 Event (one stored Event, two APIs).
 */
import type { ApiObject, ResourceInfo } from "../api/index.ts"

type Obj = ApiObject & { spec?: any; status?: any }

const CPU_ANNOTATIONS = "autoscaling.alpha.kubernetes.io/"

function hpaToV1(o: Obj): Obj {
  const spec = o.spec ?? {}
  const cpu = (spec.metrics ?? []).find((m: any) => m.type === "Resource" && m.resource?.name === "cpu")
  const status = o.status ?? {}
  const cpuStatus = (status.currentMetrics ?? []).find(
    (m: any) => m.type === "Resource" && m.resource?.name === "cpu",
  )
  return {
    ...o,
    apiVersion: "autoscaling/v1",
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(cpu?.resource?.target?.averageUtilization !== undefined
        ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization }
        : {}),
    },
    status: {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(cpuStatus?.resource?.current?.averageUtilization !== undefined
        ? { currentCPUUtilizationPercentage: cpuStatus.resource.current.averageUtilization }
        : {}),
    },
  }
}

function hpaToV2(o: Obj): Obj {
  const spec = o.spec ?? {}
  const status = o.status ?? {}
  const metrics =
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
      : undefined
  const meta = { ...(o.metadata ?? {}) }
  if (meta.annotations) {
    meta.annotations = Object.fromEntries(
      Object.entries(meta.annotations).filter(([k]) => !k.startsWith(CPU_ANNOTATIONS)),
    )
  }
  return {
    ...o,
    apiVersion: "autoscaling/v2",
    metadata: meta,
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(metrics ? { metrics } : {}),
    },
    status: {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(status.currentCPUUtilizationPercentage !== undefined
        ? {
            currentMetrics: [
              {
                type: "Resource",
                resource: {
                  name: "cpu",
                  current: { averageUtilization: status.currentCPUUtilizationPercentage },
                },
              },
            ],
          }
        : {}),
    },
  }
}

/** Field pairs: events.k8s.io/v1 name, core/v1 name. */
const EVENT_FIELDS: readonly (readonly [string, string])[] = [
  ["regarding", "involvedObject"],
  ["note", "message"],
  ["reportingController", "reportingComponent"],
  ["reportingInstance", "reportingInstance"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
  ["eventTime", "eventTime"],
  ["series", "series"],
  ["action", "action"],
  ["related", "related"],
  ["reason", "reason"],
  ["type", "type"],
]

/** Converts an Event between the two APIs, by the form it arrives in. */
function convertEvent(o: Obj): Obj {
  const toCore = o.apiVersion === "events.k8s.io/v1"
  const out: Obj = {
    apiVersion: toCore ? "v1" : "events.k8s.io/v1",
    kind: "Event",
    metadata: o.metadata ?? {},
  }
  for (const [ev, core] of EVENT_FIELDS) {
    const from = toCore ? ev : core
    const to = toCore ? core : ev
    if (o[from] !== undefined && o[from] !== null) out[to] = o[from]
  }
  return out
}

/** Converts `obj` of `info`'s kind to `toVersion`. Unknown pairs are returned unchanged. */
export function convert(obj: ApiObject, info: ResourceInfo, toVersion: string): ApiObject {
  if (info.group === "autoscaling" && info.kind === "HorizontalPodAutoscaler") {
    const from = String(obj.apiVersion ?? "").split("/")[1]
    if (from === toVersion) return obj
    return toVersion === "v1" ? hpaToV1(obj as Obj) : hpaToV2(obj as Obj)
  }
  if (info.kind === "Event" && (info.group === "events.k8s.io" || info.group === ""))
    return convertEvent(obj as Obj)
  return obj
}

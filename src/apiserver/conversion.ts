/** Conversions between served and stored versions: autoscaling/v1 ⇄ v2 HorizontalPodAutoscaler. */
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

/** Converts `obj` of `info`'s kind to `toVersion`. Unknown pairs are returned unchanged. */
export function convert(obj: ApiObject, info: ResourceInfo, toVersion: string): ApiObject {
  if (info.group === "autoscaling" && info.kind === "HorizontalPodAutoscaler") {
    const from = String(obj.apiVersion ?? "").split("/")[1]
    if (from === toVersion) return obj
    return toVersion === "v1" ? hpaToV1(obj as Obj) : hpaToV2(obj as Obj)
  }
  return obj
}

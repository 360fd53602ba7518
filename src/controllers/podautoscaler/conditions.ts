/** The HPA's status conditions (AbleToScale, ScalingActive, ScalingLimited). */
import type { HorizontalPodAutoscalerCondition } from "kubernetes-types/autoscaling/v2.js"

/** Sets condition `type`, keeping its lastTransitionTime while its status is unchanged. */
export function setCondition(
  conditions: HorizontalPodAutoscalerCondition[],
  type: "AbleToScale" | "ScalingActive" | "ScalingLimited",
  status: "True" | "False",
  reason: string,
  message: string,
  now: string,
): void {
  const i = conditions.findIndex((c) => c.type === type)
  const old = conditions[i]
  const next = {
    type,
    status,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
    reason,
    message,
  }
  if (i >= 0) conditions[i] = next
  else conditions.push(next)
}

/**
 * Pod readiness gates (KEP-580): a pod whose containers are all ready is Ready only once each of
 * its `spec.readinessGates` names a condition that holds (status True). Another client (a load
 * balancer controller, say) sets those conditions through pods/status; the kubelet only reads
 * them. The real kubelet and the hollow one judge them here.
 */
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { goQuote } from "../util/index.ts"

/** The reason of a Ready condition held False by readiness gates (upstream's). */
export const READINESS_GATES_NOT_READY = "ReadinessGatesNotReady"

/** Why a pod is not Ready. */
export interface NotReady {
  readonly reason: string
  readonly message?: string
}

/**
 * Why the readiness gates of `pod` keep it from being Ready, judged on `conditions` (the pod's
 * conditions known when its Ready condition is made), or undefined when every gate holds. The
 * message names each gate whose condition is missing or not True, in the gates' order, as
 * upstream's GeneratePodReadyCondition words it.
 */
export function unmetReadinessGates(pod: Pod, conditions: readonly PodCondition[]): NotReady | undefined {
  const unmet: string[] = []
  for (const { conditionType } of pod.spec?.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === conditionType)
    const gate = goQuote(conditionType)
    if (!c) unmet.push(`corresponding condition of pod readiness gate ${gate} does not exist.`)
    else if (c.status !== "True")
      unmet.push(`the status of pod readiness gate ${gate} is not "True", but ${c.status}`)
  }
  return unmet.length > 0 ? { reason: READINESS_GATES_NOT_READY, message: unmet.join(", ") } : undefined
}

/**
 * What every component asks of a pod's status, answered one way (upstream's podutil): has it
 * finished, is it ready, since when, and has it been ready for minReadySeconds. Workload
 * controllers call these per pod on every sync, so none of them allocates.
 */
import type { Pod, PodCondition, PodStatus } from "kubernetes-types/core/v1.js"

/** True for the phases a pod never leaves: Succeeded and Failed (upstream's IsPodPhaseTerminal). */
export function isPodPhaseTerminal(phase: PodStatus["phase"]): boolean {
  return phase === "Succeeded" || phase === "Failed"
}

/** True when the pod has finished: its phase is Succeeded or Failed (upstream's IsPodTerminal). */
export function isPodTerminal(pod: Pod): boolean {
  return isPodPhaseTerminal(pod.status?.phase)
}

/** The pod's Ready condition (the first, as upstream's GetPodReadyCondition), if it has one. */
export function podReadyCondition(pod: Pod): PodCondition | undefined {
  const conditions = pod.status?.conditions
  if (!conditions) return undefined
  // Indexed: an iterator or a callback costs an allocation per call.
  for (let i = 0; i < conditions.length; i++) if (conditions[i]?.type === "Ready") return conditions[i]
  return undefined
}

/** True when the pod's Ready condition is True (upstream's IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === "True"
}

/**
 * When a ready pod became ready (ms since the epoch); undefined when it is not ready or its
 * Ready condition records no valid time.
 */
export function podReadySince(pod: Pod): number | undefined {
  const c = podReadyCondition(pod)
  if (c?.status !== "True" || !c.lastTransitionTime) return undefined
  const t = Date.parse(c.lastTransitionTime)
  return Number.isNaN(t) ? undefined : t
}

/**
 * Milliseconds until a pod ready since `readySince` (ms since the epoch, from podReadySince)
 * counts as available: 0 when it already does, undefined when the time is unknown and
 * minReadySeconds holds it back.
 */
export function msUntilAvailableSince(
  readySince: number | undefined,
  minReadySeconds: number,
  now: number,
): number | undefined {
  if (minReadySeconds <= 0) return 0
  if (readySince === undefined) return undefined
  // Upstream wants the ready time plus minReadySeconds strictly before now.
  const at = readySince + minReadySeconds * 1000
  return at < now ? 0 : at + 1 - now
}

/**
 * Milliseconds until the pod counts as available (ready for minReadySeconds): 0 when it
 * already is, undefined when it is not ready or its ready time is unknown.
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  if (!isPodReady(pod)) return undefined
  return msUntilAvailableSince(podReadySince(pod), minReadySeconds, now)
}

/** True when the pod has been ready for longer than minReadySeconds at `now` (upstream's IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  return msUntilAvailable(pod, minReadySeconds, now) === 0
}

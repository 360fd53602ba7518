/**
 * Pod facts and pod construction shared by the StatefulSet and DaemonSet controllers
 * (upstream's podutil and controller.GetPodFromTemplate): readiness, availability after
 * minReadySeconds, and a new pod from a template with its controller reference.
 */
import type { Pod, PodTemplateSpec } from "kubernetes-types/core/v1.js"
import type { ApiObject, OwnerReference } from "../../api/index.ts"

/** A Pod as controllers read and write it. */
export type PodObject = Pod & ApiObject

/** The Ready condition of `pod`, if it has one. */
function readyCondition(pod: PodObject) {
  return pod.status?.conditions?.find((c) => c.type === "Ready")
}

/** True when the pod's Ready condition is True. */
export function isPodReady(pod: PodObject): boolean {
  return readyCondition(pod)?.status === "True"
}

/**
 * Milliseconds until the pod counts as available (ready for minReadySeconds): 0 when it
 * already is, undefined when it is not ready at all.
 */
export function msUntilAvailable(pod: PodObject, minReadySeconds: number, now: number): number | undefined {
  const c = readyCondition(pod)
  if (c?.status !== "True") return undefined
  if (!minReadySeconds) return 0
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN
  if (Number.isNaN(since)) return undefined
  // Upstream wants the ready time strictly before now.
  return Math.max(0, since + minReadySeconds * 1000 + 1 - now)
}

/** True when the pod has been ready for at least minReadySeconds (upstream's IsPodAvailable). */
export function isPodAvailable(pod: PodObject, minReadySeconds: number, now: number): boolean {
  return msUntilAvailable(pod, minReadySeconds, now) === 0
}

/** True when the pod is being deleted. */
export function isTerminating(pod: ApiObject): boolean {
  return !!pod.metadata?.deletionTimestamp
}

/**
 * A new pod from `template`: its labels, annotations, finalizers and spec, controlled by
 * `controllerRef`, named by `generateName` `<owner>-` unless the caller names it.
 */
export function podFromTemplate(
  template: PodTemplateSpec | undefined,
  ownerName: string,
  controllerRef: OwnerReference,
): PodObject {
  const meta = template?.metadata ?? {}
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${ownerName}-`,
      labels: { ...(meta.labels ?? {}) },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef],
    },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  }
}

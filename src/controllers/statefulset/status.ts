/**
 * A StatefulSet's status from its pods (upstream's computeReplicaStatus): replicas, ready,
 * available (ready for minReadySeconds), current and updated counts, the end of a rolling
 * update, and whether the status written differs from what the set has.
 */
import type { StatefulSetStatus } from "kubernetes-types/apps/v1.js"
import { isPodAvailable, isPodReady } from "../../api/index.ts"
import { isTerminating, type PodObject } from "../set-pods/index.ts"
import { podRevision, replicasOf, type StatefulSetObject } from "./identity.ts"

/** A mutable StatefulSetStatus. */
export type SetStatus = { -readonly [K in keyof StatefulSetStatus]: StatefulSetStatus[K] }

/** True once the API server has the pod (it sets a phase). */
export function isCreated(pod: PodObject): boolean {
  return !!pod.status?.phase
}

/** True when the pod is Running and Ready. */
export function isRunningAndReady(pod: PodObject): boolean {
  return pod.status?.phase === "Running" && isPodReady(pod)
}

/** True when the pod is not (or not yet) counted on: unready, terminating or not yet available. */
export function isUnavailable(pod: PodObject, minReadySeconds: number, now: number): boolean {
  return !isRunningAndReady(pod) || isTerminating(pod) || !isPodAvailable(pod, minReadySeconds, now)
}

/** Recounts the replica fields of `status` over the given pods. */
export function countReplicas(
  status: SetStatus,
  opts: { minReadySeconds: number; now: number; current: string; update: string },
  pods: readonly PodObject[],
): void {
  status.replicas = 0
  status.readyReplicas = 0
  status.availableReplicas = 0
  status.currentReplicas = 0
  status.updatedReplicas = 0
  for (const pod of pods) {
    if (isCreated(pod)) status.replicas++
    if (isRunningAndReady(pod)) {
      status.readyReplicas++
      if (isPodAvailable(pod, opts.minReadySeconds, opts.now)) status.availableReplicas++
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      const rev = podRevision(pod)
      if (rev === opts.current) status.currentReplicas++
      if (rev === opts.update) status.updatedReplicas++
    }
  }
}

/** Marks a finished rolling update: every pod updated and ready makes the update revision current. */
export function completeRollingUpdate(set: StatefulSetObject, status: SetStatus): void {
  const want = replicasOf(set)
  if (
    (set.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate" &&
    status.updatedReplicas === want &&
    status.readyReplicas === want &&
    status.replicas === want
  ) {
    status.currentReplicas = status.updatedReplicas
    status.currentRevision = status.updateRevision
  }
}

/** True when `status` says something the set's status does not. */
export function isStatusChanged(set: StatefulSetObject, status: SetStatus): boolean {
  const old = set.status ?? { replicas: 0 }
  return (
    (status.observedGeneration ?? 0) > (old.observedGeneration ?? 0) ||
    status.replicas !== (old.replicas ?? 0) ||
    status.currentReplicas !== (old.currentReplicas ?? 0) ||
    status.readyReplicas !== (old.readyReplicas ?? 0) ||
    status.updatedReplicas !== (old.updatedReplicas ?? 0) ||
    status.availableReplicas !== (old.availableReplicas ?? 0) ||
    status.currentRevision !== old.currentRevision ||
    status.updateRevision !== old.updateRevision ||
    (status.collisionCount ?? 0) !== (old.collisionCount ?? 0)
  )
}

/**
 * What a ReplicaSet's reconcile asks of each of its pods (controller, active, terminating, ready
 * and since when), worked out once per version of a pod: an informer cache's pods are deeply
 * frozen and replaced on every change, so a frozen pod's answers never change, and a reconcile
 * of 1,000 pods finds nearly all of them where the previous one left them. Pods that are not
 * frozen (built by a test, say) are worked out on every call.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, controllerOf, isPodReady, isPodTerminal, podReadySince } from "../../api/index.ts"

/** One version of a pod, as the ReplicaSet controller sees it. */
export interface PodFacts {
  /** The uid of its controller reference, if it has one. */
  readonly controllerUid: string | undefined
  /** Not finished (Succeeded, Failed) and not being deleted (upstream's IsPodActive). */
  readonly active: boolean
  /** Being deleted, not finished (upstream's IsPodTerminating). */
  readonly terminating: boolean
  /** Its Ready condition is True. */
  readonly ready: boolean
  /** When a ready pod became ready (ms since the epoch), when its condition records a valid time. */
  readonly readySince: number | undefined
}

/** True when the parts of a pod read here cannot change (the informer cache freezes all the way down). */
function frozen(pod: Pod): boolean {
  return (
    Object.isFrozen(pod) &&
    (pod.metadata === undefined || Object.isFrozen(pod.metadata)) &&
    (pod.spec === undefined || Object.isFrozen(pod.spec)) &&
    (pod.status === undefined || Object.isFrozen(pod.status))
  )
}

/**
 * `compute`, remembered per frozen pod object (a WeakMap: forgotten with the version); a pod that
 * is not frozen is computed again on every call.
 */
export function perVersion<T>(compute: (pod: Pod) => T): (pod: Pod) => T {
  const known = new WeakMap<Pod, T>()
  return (pod) => {
    const have = known.get(pod)
    if (have !== undefined) return have
    const value = compute(pod)
    if (frozen(pod)) known.set(pod, value)
    return value
  }
}

/** The facts of a pod (remembered per version). */
export const podFacts: (pod: Pod) => PodFacts = perVersion((pod) => {
  const finished = isPodTerminal(pod)
  const deleting = !!pod.metadata?.deletionTimestamp
  return {
    controllerUid: controllerOf(pod as ApiObject)?.uid,
    active: !finished && !deleting,
    terminating: deleting && !finished,
    ready: isPodReady(pod),
    readySince: podReadySince(pod),
  }
})

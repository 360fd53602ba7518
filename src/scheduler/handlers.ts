/**
 * How informer events reach the scheduler (upstream's eventhandlers.go): bound pods go to the
 * cache, pods waiting for this scheduler go to the queue, and changes that may let waiting pods
 * fit (a node added or changed, a bound pod gone) move the unschedulable pods back.
 */
import type { Node as CoreNode, Pod as CorePod } from "kubernetes-types/core/v1.js"
import { type ApiObject, isPodTerminal } from "../api/index.ts"
import type { EventHandler } from "../client/index.ts"
import type { SchedulerCache } from "./cache.ts"
import { newPodInfo, requestsWentDown, withNewerPod } from "./framework/pod-info.ts"
import type { SchedulingQueue } from "./queue.ts"

type Pod = CorePod & ApiObject
type Node = CoreNode & ApiObject

/** The parts of the scheduler the handlers update. */
export interface HandlerTargets {
  readonly cache: SchedulerCache
  readonly queue: SchedulingQueue
  /** True for the scheduler names this scheduler's profiles answer to. */
  readonly isResponsible: (pod: CorePod) => boolean
  /** The pod with spec.priority resolved from its PriorityClass. */
  readonly withPriority: (pod: CorePod) => CorePod
}

function uidOf(pod: Pod): string {
  return pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`
}

/** The Pod informer's handler. */
export function podHandler(t: HandlerTargets): EventHandler<Pod> {
  const upsert = (pod: Pod) => {
    const uid = uidOf(pod)
    if (pod.spec?.nodeName) {
      t.queue.delete(uid)
      if (isPodTerminal(pod)) {
        // Finished pods hold nothing on their node any more.
        if (t.cache.has(uid)) {
          t.cache.removePod(uid)
          t.queue.moveAllToActiveOrBackoff()
        }
        return
      }
      // Ports and affinity terms do not change on a bound pod: reuse what was computed. Requests
      // do with an in-place resize: withNewerPod computes them again then.
      const prev = t.cache.podInfo(uid)
      const resolved = t.withPriority(pod)
      const pi = prev ? withNewerPod(prev, resolved) : newPodInfo(resolved)
      t.cache.setPod(pod, pi)
      if (!prev) t.queue.movePodsWaitingForPods()
      // A pod scaled down leaves room on its node (upstream's UpdatePodScaleDown event).
      else if (requestsWentDown(prev, pi)) t.queue.moveAllToActiveOrBackoff()
      return
    }
    if (!t.isResponsible(pod) || t.cache.isAssumed(uid)) return
    if (pod.metadata?.deletionTimestamp) return t.queue.delete(uid)
    const pi = newPodInfo(t.withPriority(pod))
    if (t.queue.has(uid)) t.queue.update(pi)
    else t.queue.add(pi)
  }
  return {
    onAdd: upsert,
    onUpdate: (_old, pod) => upsert(pod),
    onDelete(pod) {
      const uid = uidOf(pod)
      t.queue.delete(uid)
      if (t.cache.has(uid)) {
        t.cache.removePod(uid)
        t.queue.moveAllToActiveOrBackoff()
      }
    },
  }
}

/** True when a node change may let pods fit where they did not (upstream's node update filter). */
export function nodeSchedulingPropertiesChanged(old: CoreNode, cur: CoreNode): boolean {
  const j = (v: unknown) => JSON.stringify(v ?? null)
  return (
    old.spec?.unschedulable !== cur.spec?.unschedulable ||
    j(old.metadata?.labels) !== j(cur.metadata?.labels) ||
    j(old.spec?.taints) !== j(cur.spec?.taints) ||
    j(old.status?.allocatable) !== j(cur.status?.allocatable)
  )
}

/** The Node informer's handler. */
export function nodeHandler(t: HandlerTargets): EventHandler<Node> {
  return {
    onAdd(node) {
      t.cache.setNode(node)
      t.queue.moveAllToActiveOrBackoff()
    },
    onUpdate(old, node) {
      t.cache.setNode(node)
      if (nodeSchedulingPropertiesChanged(old, node)) t.queue.moveAllToActiveOrBackoff()
    },
    onDelete(node) {
      t.cache.removeNode(node.metadata?.name ?? "")
    },
  }
}

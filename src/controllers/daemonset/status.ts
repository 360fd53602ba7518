/**
 * A DaemonSet's status from its pods and the nodes (upstream's updateDaemonSetStatus): how many
 * nodes want a pod, have one, have one they should not, and whose oldest pod is ready,
 * available and of the current template.
 */
import type { DaemonSetStatus } from "kubernetes-types/apps/v1.js"
import { isPodReady, msUntilAvailable } from "../../api/index.ts"
import type { PodObject } from "../set-pods/index.ts"
import { byAgeScheduledFirst, type NodeToPods } from "./manage.ts"
import { type DaemonSetObject, type NodeObject, nodeShouldRunDaemonPod } from "./placement.ts"
import { isPodUpdated, templateGeneration } from "./pods.ts"

/** A mutable DaemonSetStatus. */
export type DsStatus = { -readonly [K in keyof DaemonSetStatus]: DaemonSetStatus[K] }

/** The counters of the status, and when a ready pod becomes available (minReadySeconds). */
export function computeStatus(
  ds: DaemonSetObject,
  nodes: readonly NodeObject[],
  nodeToPods: NodeToPods,
  opts: { hash: string; now: number },
): { status: DsStatus; requeueAfterMs?: number } {
  const minReady = ds.spec?.minReadySeconds ?? 0
  const generation = templateGeneration(ds)
  const s: DsStatus = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  }
  let requeueAfterMs: number | undefined
  for (const node of nodes) {
    const pods: PodObject[] = nodeToPods.get(node.metadata?.name ?? "") ?? []
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (pods.length) s.numberMisscheduled++
      continue
    }
    s.desiredNumberScheduled++
    if (!pods.length) continue
    s.currentNumberScheduled++
    const pod = [...pods].sort(byAgeScheduledFirst)[0] as PodObject
    if (isPodReady(pod)) {
      s.numberReady++
      const wait = msUntilAvailable(pod, minReady, opts.now)
      if (wait === 0) s.numberAvailable = (s.numberAvailable ?? 0) + 1
      else if (wait !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? wait, wait)
    }
    if (isPodUpdated(pod, opts.hash, generation))
      s.updatedNumberScheduled = (s.updatedNumberScheduled ?? 0) + 1
  }
  s.numberUnavailable = s.desiredNumberScheduled - (s.numberAvailable ?? 0)
  return { status: s, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) }
}

const FIELDS = [
  "desiredNumberScheduled",
  "currentNumberScheduled",
  "numberMisscheduled",
  "numberReady",
  "updatedNumberScheduled",
  "numberAvailable",
  "numberUnavailable",
  "observedGeneration",
  "collisionCount",
] as const

/** True when `status` says something the set's status does not. */
export function isStatusChanged(ds: DaemonSetObject, status: DsStatus): boolean {
  const old = (ds.status ?? {}) as DsStatus
  return FIELDS.some((f) => (status[f] ?? 0) !== (old[f] ?? 0))
}

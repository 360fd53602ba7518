/**
 * The kubelet's side of in-place pod resize, around each sync of a pod (upstream's allocation
 * manager and the resize parts of SyncPod): before it, a resize of the pod's spec is allocated
 * when the node can take it (PodResizeInProgress set, a ResizeStarted event) or left pending
 * (PodResizePending Infeasible or Deferred, a ResizeInfeasible or ResizeDeferred warning), a
 * deferred one looked at again every 3 minutes and when a pod leaves the node; after it,
 * PodResizeInProgress stays while a running container has not got its allocated resources (with
 * reason Error when updating them failed, a ResizeError warning) and goes once all have (a
 * ResizeCompleted event).
 */
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import type { ApiObject } from "../../api/index.ts"
import type { EventRecorder } from "../../client/index.ts"
import type { PodRecord } from "../pod-state.ts"
import { admitResize } from "./admit-resize.ts"
import { allocatedPod, allocationOf, resizeRequested, statusAllocation } from "./allocation.ts"
import { resizeInProgress } from "./actuate.ts"
import {
  clearInProgress,
  clearPending,
  resizeMessage,
  type ResizeState,
  setInProgress,
  setPending,
} from "./conditions.ts"

/** How long a deferred resize waits to be looked at again (upstream's retryDelay). */
export const DEFERRED_RETRY_MS = 3 * 60_000

/** How soon a pod whose resize failed to apply is synced again. */
export const FAILED_RETRY_MS = 10_000

/** What resize allocation looks at. */
export interface ResizeDeps {
  readonly events: EventRecorder
  /** The node as last seen. */
  readonly node: () => Node | undefined
  /** The other pods admitted to the node and not finished, as allocated. */
  readonly others: (uid: string) => Pod[]
  readonly now: number
}

const NO_REASON = { reason: "", message: "" }

function generationOf(pod: Pod): number {
  return pod.metadata?.generation ?? 0
}

/** Whether the pod's resize is to be decided in this sync: its spec changed, or a deferred one's wait ended. */
function due(s: ResizeState, pod: Pod, now: number): boolean {
  if (s.evaluated !== generationOf(pod)) return true
  return s.pending?.reason === "Deferred" && now >= (s.retryAt ?? 0)
}

/** Allocates the pod's resize, or says why not (upstream's handlePodResourcesResize). */
function decide(d: ResizeDeps, pod: Pod, record: PodRecord, s: ResizeState): void {
  const generation = generationOf(pod)
  s.evaluated = generation
  const verdict = admitResize({
    pod,
    node: d.node(),
    others: d.others(record.uid),
    alreadyStarted: !!pod.status?.startTime,
  })
  if (verdict.fit) {
    record.allocated = allocationOf(pod)
    clearPending(s)
    s.retryAt = undefined
    // Errors of an earlier resize go; the condition now stands for this generation.
    clearInProgress(s)
    setInProgress(s, NO_REASON, generation, d.now)
    d.events.event(
      pod as ApiObject,
      "Normal",
      "ResizeStarted",
      resizeMessage("Pod resize started", pod, generation),
    )
    return
  }
  s.retryAt = verdict.reason === "Deferred" ? d.now + DEFERRED_RETRY_MS : undefined
  if (setPending(s, verdict, generation, d.now)) {
    const prefix = `Pod resize ${verdict.reason}`
    const message = resizeMessage(prefix, pod, generation, verdict.message)
    d.events.event(pod as ApiObject, "Warning", `Resize${verdict.reason}`, message)
  }
}

/**
 * Before a sync of a live pod: its allocation (when first seen, the one its status reports, see
 * statusAllocation), its resize decided when due. Returns the pod as allocated, which the sync
 * and its status use.
 */
export function allocateResize(d: ResizeDeps, pod: Pod, record: PodRecord): Pod {
  record.allocated ??= statusAllocation(pod)
  const s = (record.resize ??= {})
  if (record.terminal) return allocatedPod(pod, record.allocated)
  if (!resizeRequested(pod, record.allocated)) {
    clearPending(s)
    s.retryAt = undefined
    s.evaluated = generationOf(pod)
  } else if (due(s, pod, d.now)) decide(d, pod, record, s)
  return allocatedPod(pod, record.allocated)
}

/**
 * After a sync of `pod` (as allocated): PodResizeInProgress as the runtime has the containers.
 * Returns when to sync the pod again for its resize (Infinity: no need).
 */
export function settleResize(d: Pick<ResizeDeps, "events" | "now">, pod: Pod, record: PodRecord): number {
  const s = (record.resize ??= {})
  if (record.terminal) {
    clearPending(s)
    clearInProgress(s)
    return Infinity
  }
  const generation = generationOf(pod)
  const deferred = s.pending?.reason === "Deferred" ? Math.max(1, (s.retryAt ?? d.now) - d.now) : Infinity
  if (s.failed) {
    const was = s.inProgress
    setInProgress(s, { reason: "Error", message: s.failed }, generation, d.now)
    // Recorded when the error is new: the retries that fail alike (every FAILED_RETRY_MS) are not.
    if (was?.reason !== "Error" || was.message !== s.failed) {
      const message = resizeMessage("Pod resize error", pod, generation, s.failed)
      d.events.event(pod as ApiObject, "Warning", "ResizeError", message)
    }
    return Math.min(FAILED_RETRY_MS, deferred)
  }
  if (resizeInProgress(pod, record)) setInProgress(s, NO_REASON, generation, d.now)
  else {
    const done = clearInProgress(s)
    if (done !== undefined) {
      const message = resizeMessage("Pod resize completed", pod, done)
      d.events.event(pod as ApiObject, "Normal", "ResizeCompleted", message)
    }
  }
  return deferred
}

/** Makes the deferred resizes of `records` due at their next sync (a pod left the node); their keys. */
export function retryDeferred(records: Iterable<PodRecord>): string[] {
  const keys: string[] = []
  for (const r of records) {
    if (r.resize?.pending?.reason !== "Deferred") continue
    r.resize.retryAt = 0
    keys.push(r.key)
  }
  return keys
}

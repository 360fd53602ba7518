/**
 * The DaemonSet's placement pass (upstream's manage and podsShouldBeOnNode): which nodes need a
 * daemon pod, and which pods must go (failed ones after a back-off, succeeded ones, extras on a
 * node, pods on nodes that no longer qualify, unscheduled pods meant for nodes that are gone).
 */
import { isPodAvailable, isPodReady } from "../../api/index.ts"
import type { PodObject } from "../set-pods/index.ts"
import { type DaemonSetObject, type NodeObject, nodeShouldRunDaemonPod } from "./placement.ts"
import { HASH_LABEL } from "./pods.ts"
import type { FailedPodsBackoff } from "./backoff.ts"

/** Daemon pods by the node they are for. */
export type NodeToPods = Map<string, PodObject[]>

/** What the placement pass wants written. */
export interface ManagePlan {
  readonly nodesNeedingPods: string[]
  readonly podsToDelete: PodObject[]
  /** Warnings to record on the set (failed pods found). */
  readonly warnings: string[]
  /** Reconcile again after this long (a failed pod's back-off). */
  requeueAfterMs?: number
}

/** What the pass reads besides the set and its pods. */
export interface ManageInput {
  readonly ds: DaemonSetObject
  readonly nodes: readonly NodeObject[]
  readonly nodeToPods: NodeToPods
  readonly hash: string
  readonly now: number
  readonly backoff: FailedPodsBackoff
}

/** Scheduled pods first, then oldest first, then by name (upstream's podByCreationTimestampAndPhase). */
export function byAgeScheduledFirst(a: PodObject, b: PodObject): number {
  const sa = a.spec?.nodeName ? 0 : 1
  const sb = b.spec?.nodeName ? 0 : 1
  if (sa !== sb) return sa - sb
  const ta = a.metadata?.creationTimestamp ?? ""
  const tb = b.metadata?.creationTimestamp ?? ""
  if (ta !== tb) return ta < tb ? -1 : 1
  return (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "")
}

function allowsSurge(ds: DaemonSetObject): boolean {
  const s = ds.spec?.updateStrategy
  if ((s?.type ?? "RollingUpdate") !== "RollingUpdate") return false
  const v = s?.rollingUpdate?.maxSurge
  return v !== undefined && v !== 0 && v !== "0%" && v !== "0"
}

/** The running pods of a node that keeps one; failed ones are deleted after their back-off. */
function runningPods(
  input: ManageInput,
  node: string,
  pods: readonly PodObject[],
  plan: ManagePlan,
): PodObject[] {
  const { ds, backoff, now } = input
  const running: PodObject[] = []
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue
    const phase = pod.status?.phase
    const where = `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`
    if (phase === "Failed") {
      // The kubelet may keep rejecting the pod: back off instead of fighting it in a hot loop.
      const key = `${ds.metadata?.uid ?? ""}/${ds.status?.observedGeneration ?? 0}/${node}`
      if (backoff.isInBackoffSinceUpdate(key, now)) {
        const delay = backoff.get(key)
        plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? delay, delay)
        continue
      }
      backoff.next(key, now)
      plan.warnings.push(`Found failed daemon pod ${where} on node ${node}, will try to kill it`)
      plan.podsToDelete.push(pod)
    } else if (phase === "Succeeded") {
      plan.podsToDelete.push(pod)
    } else {
      running.push(pod)
    }
  }
  return running
}

/** With surge: keep the oldest new pod and the oldest old pod; the old one goes once the new one is available. */
function surgeExtras(input: ManageInput, running: PodObject[]): PodObject[] {
  const out: PodObject[] = []
  let newest: PodObject | undefined
  let oldest: PodObject | undefined
  for (const pod of [...running].sort(byAgeScheduledFirst)) {
    const isNew = pod.metadata?.labels?.[HASH_LABEL] === input.hash
    if (isNew && !newest) newest = pod
    else if (!isNew && !oldest) oldest = pod
    else out.push(pod)
  }
  if (newest && oldest) {
    const minReady = input.ds.spec?.minReadySeconds ?? 0
    if (!isPodReady(oldest) || isPodAvailable(newest, minReady, input.now)) out.push(oldest)
  }
  return out
}

function planNode(input: ManageInput, node: NodeObject, plan: ManagePlan): void {
  const name = node.metadata?.name ?? ""
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, input.ds)
  const pods = input.nodeToPods.get(name)
  if (shouldRun && !pods?.length) {
    plan.nodesNeedingPods.push(name)
  } else if (shouldContinueRunning && pods) {
    const running = runningPods(input, name, pods, plan)
    if (allowsSurge(input.ds)) plan.podsToDelete.push(...surgeExtras(input, running))
    else plan.podsToDelete.push(...[...running].sort(byAgeScheduledFirst).slice(1))
  } else if (!shouldContinueRunning && pods) {
    plan.podsToDelete.push(...pods.filter((p) => !p.metadata?.deletionTimestamp))
  }
}

/** Plans the placement pass; see the module comment. */
export function planManage(input: ManageInput): ManagePlan {
  const plan: ManagePlan = { nodesNeedingPods: [], podsToDelete: [], warnings: [] }
  const known = new Set<string>()
  for (const node of input.nodes) {
    known.add(node.metadata?.name ?? "")
    planNode(input, node, plan)
  }
  // Unscheduled pods meant for a node that no longer exists can never run.
  for (const [name, pods] of input.nodeToPods) {
    if (known.has(name)) continue
    for (const p of pods) if (!p.spec?.nodeName && !p.metadata?.deletionTimestamp) plan.podsToDelete.push(p)
  }
  return plan
}

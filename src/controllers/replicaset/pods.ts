/**
 * What workload controllers ask of a pod: is it active, ready, available; and which of several
 * pods to delete first (upstream's ActivePods ordering).
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { type ApiObject, msUntilAvailableSince } from "../../api/index.ts"
import { smallest } from "../../util/index.ts"
import { perVersion, podFacts } from "./pod-facts.ts"

/** A Pod as the client and caches hand it out. */
export type PodObject = Pod & ApiObject

/** True unless the pod finished (Succeeded, Failed) or is being deleted. */
export function isPodActive(pod: Pod): boolean {
  return podFacts(pod).active
}

/**
 * Whether the pod is not ready, ready, or ready for longer than `minReadySeconds` at `now`
 * (the api's isPodReady and isPodAvailable, from the facts remembered per pod version).
 */
export function readiness(pod: Pod, minReadySeconds: number, now: number): "unready" | "ready" | "available" {
  const { ready, readySince } = podFacts(pod)
  if (!ready) return "unready"
  return msUntilAvailableSince(readySince, minReadySeconds, now) === 0 ? "available" : "ready"
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 }

function maxRestarts(pod: Pod): number {
  let n = 0
  for (const s of pod.status?.containerStatuses ?? []) n = Math.max(n, s.restartCount)
  return n
}

function created(pod: Pod): number | undefined {
  const t = pod.metadata?.creationTimestamp
  return t ? Date.parse(t) : undefined
}

/** Negative when `a` goes first, positive when `b` does, 0 when undecided. */
function earlierFirst(a: number | undefined, b: number | undefined, laterFirst: boolean): number {
  if (a === b) return 0
  if (a === undefined) return -1
  if (b === undefined) return 1
  return laterFirst ? b - a : a - b
}

/** Upstream's pod-deletion-cost annotation: pods with a lower cost go first. */
export const POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"

function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION]
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : 0
}

/** The earlier criteria of the order: placement, phase, readiness, deletion cost. */
function compareState(a: Pod, b: Pod): number {
  const an = !!a.spec?.nodeName
  const bn = !!b.spec?.nodeName
  if (an !== bn) return an ? 1 : -1
  const ap = PHASE_ORDINAL[a.status?.phase ?? ""] ?? 0
  const bp = PHASE_ORDINAL[b.status?.phase ?? ""] ?? 0
  if (ap !== bp) return ap - bp
  const ar = podFacts(a).ready
  const br = podFacts(b).ready
  if (ar !== br) return ar ? 1 : -1
  return deletionCost(a) - deletionCost(b)
}

/** The later criteria of the order: ready time, restarts, age. */
function compareHistory(a: Pod, b: Pod): number {
  const fa = podFacts(a)
  const fb = podFacts(b)
  if (fa.ready && fb.ready) {
    const byReady = earlierFirst(fa.readySince, fb.readySince, true)
    if (byReady !== 0) return byReady
  }
  const byRestarts = maxRestarts(b) - maxRestarts(a)
  if (byRestarts !== 0) return byRestarts
  return earlierFirst(created(a), created(b), true)
}

/**
 * Orders pods so the ones to delete first come first (upstream's ActivePods): unassigned before
 * assigned, Pending before Unknown before Running, not ready before ready, lower
 * pod-deletion-cost first, more recently ready before longer ready, more restarts before fewer,
 * newer before older.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  return compareState(a, b) || compareHistory(a, b)
}

/**
 * The pods to delete first, `n` of them (upstream's getPodsToDelete with ActivePodsWithRanks):
 * the order of compareForDeletion, where after the deletion cost a pod sharing its node with
 * more `related` pods (those of the owner's sibling ReplicaSets too) goes first. Equals keep the
 * order of `pods`, as a stable sort leaves them.
 */
export function podsToDelete<P extends Pod>(pods: readonly P[], related: readonly Pod[], n: number): P[] {
  const onNode = new Map<string, number>()
  for (let i = 0; i < related.length; i++) {
    const p = related[i] as Pod
    if (!podFacts(p).active) continue
    const node = p.spec?.nodeName ?? ""
    onNode.set(node, (onNode.get(node) ?? 0) + 1)
  }
  let ordered = true
  const ranked: Ranked<P>[] = new Array<Ranked<P>>(pods.length)
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i] as P
    const keys = rankKeys(pod)
    ordered &&= keys.ordered
    ranked[i] = { pod, keys, colocated: onNode.get(pod.spec?.nodeName ?? "") ?? 0, index: i }
  }
  // A key that is not a number (a malformed time or cost) does not order: sort all as before.
  const first = ordered ? smallest(ranked, n, compareRanked) : ranked.sort(compareKeys).slice(0, n)
  return first.map((r) => r.pod)
}

/** What podsToDelete orders by that depends on the pod alone, in order. */
interface RankKeys {
  readonly assigned: boolean
  readonly phase: number
  readonly ready: boolean
  readonly cost: number
  readonly readySince: number | undefined
  readonly restarts: number
  readonly created: number | undefined
  /** Every number above compares (none is NaN, the cost is finite). */
  readonly ordered: boolean
}

/** A pod with its keys, its co-location rank and its place in the input. */
interface Ranked<P> {
  readonly pod: P
  readonly keys: RankKeys
  /** How many related pods share its node. */
  readonly colocated: number
  readonly index: number
}

const rankKeys: (pod: Pod) => RankKeys = perVersion((pod) => {
  const { ready, readySince } = podFacts(pod)
  const cost = deletionCost(pod)
  const createdAt = created(pod)
  return {
    assigned: !!pod.spec?.nodeName,
    phase: PHASE_ORDINAL[pod.status?.phase ?? ""] ?? 0,
    ready,
    cost,
    readySince,
    restarts: maxRestarts(pod),
    created: createdAt,
    ordered: Number.isFinite(cost) && !Number.isNaN(createdAt ?? 0),
  }
})

/** compareKeys, then the input order: no two pods are equal. */
function compareRanked<P>(x: Ranked<P>, y: Ranked<P>): number {
  return compareKeys(x, y) || x.index - y.index
}

/** compareState, the co-location rank, then compareHistory, on precomputed keys. */
function compareKeys<P>(x: Ranked<P>, y: Ranked<P>): number {
  const a = x.keys
  const b = y.keys
  if (a.assigned !== b.assigned) return a.assigned ? 1 : -1
  if (a.phase !== b.phase) return a.phase - b.phase
  if (a.ready !== b.ready) return a.ready ? 1 : -1
  if (a.cost !== b.cost) return a.cost - b.cost
  if (x.colocated !== y.colocated) return y.colocated - x.colocated
  if (a.ready && b.ready) {
    const byReady = earlierFirst(a.readySince, b.readySince, true)
    if (byReady !== 0) return byReady
  }
  if (a.restarts !== b.restarts) return b.restarts - a.restarts
  return earlierFirst(a.created, b.created, true)
}

/**
 * Preemption's dry run on one node (upstream's SelectVictimsOnNode): remove every pod of lower
 * priority (from the node and, through the pre-filter extensions, from the pre-filter state of
 * InterPodAffinity and PodTopologySpread), check the pod then fits, then give back as many of
 * them as still lets it fit, budget-protected ones first and the most important first. What is
 * left out are the victims.
 */
import type { CycleState } from "../../framework/cycle-state.ts"
import type { NodeInfo } from "../../framework/node-info.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { isSuccess, type Status, unresolvable } from "../../framework/status.ts"
import type { DisruptionBudget, Handle } from "../../framework/types.ts"

/** Upstream's reason when a node has no pod of lower priority. */
export const NO_VICTIMS = "No preemption victims found for incoming pod"

/** When the pod started (upstream's GetPodStartTime): status.startTime, else "now" (latest). */
export function startOf(p: PodInfo): number {
  const t = p.pod.status?.startTime
  return t ? Date.parse(t) : Infinity
}

/** True when a is more important than b (upstream's MoreImportantPod): priority, then earlier start. */
export function moreImportant(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority
  return startOf(a) < startOf(b)
}

const byImportance = (a: PodInfo, b: PodInfo) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0)

/**
 * Splits the potential victims (most important first) into those whose eviction would break a
 * PodDisruptionBudget and the rest (upstream's filterPodsWithPDBViolation).
 */
function splitByBudget(handle: Handle, pods: readonly PodInfo[]): { violating: PodInfo[]; other: PodInfo[] } {
  const violating: PodInfo[] = []
  const other: PodInfo[] = []
  const allowed = new Map<DisruptionBudget, number>()
  for (const p of pods) {
    const labels = p.pod.metadata?.labels
    // A pod without labels matches no budget.
    const budgets =
      labels && Object.keys(labels).length ? (handle.disruptionBudgets?.(p.namespace) ?? []) : []
    let breaks = false
    for (const b of budgets) {
      const name = p.pod.metadata?.name ?? ""
      if (!b.matches(labels) || b.disrupted.has(name)) continue
      const left = (allowed.get(b) ?? b.disruptionsAllowed) - 1
      allowed.set(b, left)
      if (left < 0) breaks = true
    }
    ;(breaks ? violating : other).push(p)
  }
  return { violating, other }
}

/** The what-if node and state: pods leave and come back through both. */
class WhatIf {
  constructor(
    readonly handle: Handle,
    readonly state: CycleState,
    readonly pod: PodInfo,
    readonly node: NodeInfo,
  ) {}

  remove(p: PodInfo): Status {
    this.node.removePod(p.uid)
    return this.handle.runPreFilterRemovePod(this.state, this.pod, p, this.node)
  }

  add(p: PodInfo): Status {
    this.node.addPod(p)
    return this.handle.runPreFilterAddPod(this.state, this.pod, p, this.node)
  }

  fits(): Status {
    return this.handle.runFiltersWithNominated(this.state, this.pod, this.node)
  }
}

/**
 * The victims on `node` that make room for `pod` (most important first) and how many of them
 * break a budget, or the status saying why there are none. `state` and `node` are changed:
 * pass copies.
 */
export function selectVictims(
  handle: Handle,
  on: { readonly state: CycleState; readonly pod: PodInfo; readonly node: NodeInfo },
): { victims: PodInfo[]; violations: number } | { status: Status } {
  const w = new WhatIf(handle, on.state, on.pod, on.node)
  const potential = [...w.node.pods.values()].filter((p) => p.priority < on.pod.priority)
  if (potential.length === 0) return { status: unresolvable(NO_VICTIMS) }
  for (const p of potential) {
    const s = w.remove(p)
    if (!isSuccess(s)) return { status: s }
  }
  const fits = w.fits()
  if (!isSuccess(fits)) return { status: fits }
  potential.sort(byImportance)
  const { violating, other } = splitByBudget(handle, potential)
  const victims: PodInfo[] = []
  let violations = 0
  // Reprieve as many as possible: budget-protected pods first, each list most important first.
  for (const [list, breaks] of [
    [violating, true],
    [other, false],
  ] as const) {
    for (const p of list) {
      const added = w.add(p)
      if (!isSuccess(added)) return { status: added }
      if (isSuccess(w.fits())) continue
      const removed = w.remove(p)
      if (!isSuccess(removed)) return { status: removed }
      victims.push(p)
      if (breaks) violations++
    }
  }
  if (violating.length > 0 && other.length > 0) victims.sort(byImportance)
  return { victims, violations }
}

/** A node and the pods to evict from it. */
export interface Candidate {
  readonly node: string
  /** Most important first. */
  readonly victims: readonly PodInfo[]
  /** How many victims break a PodDisruptionBudget. */
  readonly violations: number
}

function highest(c: Candidate): number {
  return c.victims[0]?.priority ?? -Infinity
}

function prioritySum(c: Candidate): number {
  // Offset so negative priorities still add up to a positive, comparable amount (as upstream).
  return c.victims.reduce((s, v) => s + v.priority + 2 ** 31, 0)
}

/** The earliest start among the highest-priority victims (upstream's GetEarliestPodStartTime). */
function earliestStartOfHighest(c: Candidate): number {
  const top = highest(c)
  return c.victims.filter((v) => v.priority === top).reduce((m, v) => Math.min(m, startOf(v)), Infinity)
}

/**
 * The best candidate (upstream's pickOneNodeForPreemption): the fewest budget violations, the
 * lowest highest-victim priority, the smallest priority sum, the fewest victims, the latest
 * start among the highest-priority victims, then the first.
 */
export function pickOne(candidates: readonly Candidate[]): Candidate | undefined {
  const rules: ((c: Candidate) => number)[] = [
    (c) => -c.violations,
    (c) => -highest(c),
    (c) => -prioritySum(c),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighest(c),
  ]
  let best = [...candidates]
  for (const rule of rules) {
    if (best.length <= 1) break
    const top = Math.max(...best.map(rule))
    best = best.filter((c) => rule(c) === top)
  }
  return best[0]
}

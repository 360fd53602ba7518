/**
 * Preemption's dry run on one node (upstream's SelectVictimsOnNode): remove every pod of lower
 * priority, check the pod fits, then give back as many of them as still lets it fit, most
 * important first. What is left out are the victims.
 */
import type { CycleState } from "../../framework/cycle-state.ts"
import type { NodeInfo } from "../../framework/node-info.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { isSuccess, type Status, unresolvable } from "../../framework/status.ts"
import type { DisruptionBudget, Handle } from "../../framework/types.ts"

/** Upstream's reason when a node has no pod of lower priority. */
export const NO_VICTIMS = "No preemption victims found for incoming pod"

function startOf(p: PodInfo): number {
  const t = p.pod.status?.startTime ?? p.pod.metadata?.creationTimestamp
  return t ? Date.parse(t) : 0
}

/** True when a is more important than b: higher priority, then started earlier. */
export function moreImportant(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority
  return startOf(a) < startOf(b)
}

/**
 * Splits the potential victims (most important first) into those whose eviction would break a
 * PodDisruptionBudget and the rest (upstream's filterPodsWithPDBViolation).
 */
function splitByBudget(handle: Handle, pods: readonly PodInfo[]): { violating: PodInfo[]; other: PodInfo[] } {
  const violating: PodInfo[] = []
  const other: PodInfo[] = []
  const allowed = new Map<DisruptionBudget, number>()
  for (const p of pods) {
    const budgets = handle.disruptionBudgets?.(p.namespace) ?? []
    let breaks = false
    for (const b of budgets) {
      const name = p.pod.metadata?.name ?? ""
      if (b.disrupted.has(name) || !b.matches(p.pod.metadata?.labels)) continue
      const left = (allowed.get(b) ?? b.disruptionsAllowed) - 1
      allowed.set(b, left)
      if (left < 0) breaks = true
    }
    ;(breaks ? violating : other).push(p)
  }
  return { violating, other }
}

/** The victims on `node` that make room for `pod`, or the status saying why there are none. */
export function selectVictims(
  handle: Handle,
  on: { readonly state: CycleState; readonly pod: PodInfo; readonly node: NodeInfo },
): { victims: PodInfo[]; violations: number } | { status: Status } {
  const { state, pod, node } = on
  const what = node.clone()
  const potential = [...what.pods.values()].filter((p) => p.priority < pod.priority)
  if (potential.length === 0) return { status: unresolvable(NO_VICTIMS) }
  for (const p of potential) what.removePod(p.uid)
  const fits = handle.runFilters(state, pod, what)
  if (!isSuccess(fits)) return { status: fits }
  potential.sort((a, b) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0))
  const { violating, other } = splitByBudget(handle, potential)
  const victims: PodInfo[] = []
  let violations = 0
  // Pods protected by a budget get their reprieve first.
  for (const [list, breaks] of [
    [violating, true],
    [other, false],
  ] as const) {
    for (const p of list) {
      what.addPod(p)
      if (isSuccess(handle.runFilters(state, pod, what))) continue
      what.removePod(p.uid)
      victims.push(p)
      if (breaks) violations++
    }
  }
  return { victims, violations }
}

/** A node and the pods to evict from it. */
export interface Candidate {
  readonly node: string
  readonly victims: readonly PodInfo[]
  /** How many victims break a PodDisruptionBudget. */
  readonly violations: number
}

function highest(c: Candidate): number {
  return c.victims.reduce((m, v) => Math.max(m, v.priority), -Infinity)
}

function prioritySum(c: Candidate): number {
  // Offset so negative priorities still add up to a positive, comparable amount (as upstream).
  return c.victims.reduce((s, v) => s + v.priority + 2 ** 31 + 1, 0)
}

function latestStartOfHighest(c: Candidate): number {
  const top = highest(c)
  return c.victims.filter((v) => v.priority === top).reduce((m, v) => Math.max(m, startOf(v)), 0)
}

/**
 * The best candidate (upstream's pickOneNodeForPreemption): the fewest budget violations, the
 * lowest highest-victim priority, then the smallest priority sum, then the fewest victims, then
 * the latest start among the highest-priority victims, then the first.
 */
export function pickOne(candidates: readonly Candidate[]): Candidate | undefined {
  const rules: ((c: Candidate) => number)[] = [
    (c) => -c.violations,
    (c) => -highest(c),
    (c) => -prioritySum(c),
    (c) => -c.victims.length,
    (c) => latestStartOfHighest(c),
  ]
  let best = [...candidates]
  for (const rule of rules) {
    if (best.length <= 1) break
    const top = Math.max(...best.map(rule))
    best = best.filter((c) => rule(c) === top)
  }
  return best[0]
}

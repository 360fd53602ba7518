/**
 * DefaultPreemption (upstream's preemption Evaluator with the default plugin's choices): when no
 * node fits a pod, dry-runs evicting lower-priority pods on a sample of the nodes where the
 * filters said Unschedulable, picks the candidate that breaks the fewest PodDisruptionBudgets and
 * evicts the least, deletes those victims (DisruptionTarget condition first, then a Preempted
 * event), clears lower-priority nominations on that node and nominates it for the pod.
 */
import type { PodCondition } from "kubernetes-types/core/v1.js"
import { isNotFound, observedGenerationOf, Pods } from "../../../api/index.ts"
import type { CycleState } from "../../framework/cycle-state.ts"
import type { NodeInfo } from "../../framework/node-info.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { errorStatus, isSuccess, type Status, success, unschedulable } from "../../framework/status.ts"
import type { Handle, PostFilterPlugin, PostFilterResult } from "../../framework/types.ts"
import { fitErrorMessage } from "../../fit-error.ts"
import { type Candidate, pickOne, selectVictims } from "./victims.ts"
import { rfc3339 } from "../../../util/index.ts"

/** Upstream's reason for nodes where evicting pods cannot help. */
export const NOT_HELPFUL = "Preemption is not helpful for scheduling"

/** DefaultPreemptionArgs. */
export interface DefaultPreemptionArgs {
  readonly minCandidateNodesPercentage?: number
  readonly minCandidateNodesAbsolute?: number
}

/** True when the pod is going away because a scheduler preempted it (upstream's podTerminatingByPreemption). */
function terminatingByPreemption(p: PodInfo): boolean {
  if (!p.pod.metadata?.deletionTimestamp) return false
  return (p.pod.status?.conditions ?? []).some(
    (c) => c.type === "DisruptionTarget" && c.status === "True" && c.reason === "PreemptionByScheduler",
  )
}

/** Why the pod may not preempt (upstream's PodEligibleToPreemptOthers), or undefined. */
function ineligible(pod: PodInfo, handle: Handle, statuses: ReadonlyMap<string, Status>): string | undefined {
  if (pod.pod.spec?.preemptionPolicy === "Never") return "not eligible due to preemptionPolicy=Never."
  const nominated = pod.pod.status?.nominatedNodeName
  if (!nominated) return undefined
  // Filters now reject the nominated node for good: try again elsewhere.
  if (statuses.get(nominated)?.code === "UnschedulableAndUnresolvable") return undefined
  for (const p of handle.snapshot.get(nominated)?.pods.values() ?? []) {
    if (p.priority < pod.priority && terminatingByPreemption(p))
      return "not eligible due to a terminating pod on the nominated node."
  }
  return undefined
}

/** How many candidates to find among `n` nodes (upstream's calculateNumCandidates). */
export function numCandidates(n: number, pct: number, abs: number): number {
  return Math.min(n, Math.max(abs, Math.trunc((n * pct) / 100)))
}

/** The dry run over the potential nodes from a random offset (upstream's DryRunPreemption). */
function dryRun(
  handle: Handle,
  run: { readonly state: CycleState; readonly pod: PodInfo; readonly potential: readonly NodeInfo[] },
  want: number,
  results: Map<string, Status>,
): Candidate[] {
  const { state, pod, potential } = run
  const clean: Candidate[] = []
  const violating: Candidate[] = []
  const offset = Math.floor(Math.random() * potential.length)
  for (let i = 0; i < potential.length; i++) {
    if (clean.length > 0 && clean.length + violating.length >= want) break
    const node = potential[(offset + i) % potential.length] as NodeInfo
    const r = selectVictims(handle, { state: state.clone(), pod, node: node.clone() })
    if ("status" in r) results.set(node.name, r.status)
    else if (r.victims.length === 0)
      results.set(node.name, errorStatus(`expected at least one victim pod on node "${node.name}"`))
    else (r.violations === 0 ? clean : violating).push({ node: node.name, ...r })
  }
  return [...clean, ...violating]
}

function stamp(handle: Handle): string {
  return rfc3339(handle.clock?.now() ?? Date.now())
}

/** Marks one victim DisruptionTarget, deletes it and records Preempted (upstream's PreemptPod). */
async function preemptPod(handle: Handle, pod: PodInfo, node: string, v: PodInfo, signal: AbortSignal) {
  const client = handle.client
  if (!client) return
  const pods = client.resource(Pods)
  const key = { namespace: v.namespace, name: v.pod.metadata?.name ?? "" }
  const message = `${pod.pod.spec?.schedulerName ?? "default-scheduler"}: preempting to accommodate a higher priority pod`
  const conditions = v.pod.status?.conditions ?? []
  const have = conditions.find((c) => c.type === "DisruptionTarget")
  if (have?.status !== "True" || have.reason !== "PreemptionByScheduler" || have.message !== message) {
    const condition: PodCondition = {
      type: "DisruptionTarget",
      ...observedGenerationOf(v.pod),
      status: "True",
      reason: "PreemptionByScheduler",
      message,
      lastTransitionTime:
        have?.status === "True" && have.lastTransitionTime ? have.lastTransitionTime : stamp(handle),
    }
    const next = [...conditions.filter((c) => c.type !== "DisruptionTarget"), condition]
    try {
      await pods.patch(
        key,
        { status: { conditions: next } },
        { type: "merge", subresource: "status", signal },
      )
    } catch (err) {
      if (isNotFound(err)) return // already gone
      throw err
    }
  }
  try {
    await pods.delete(key, { preconditions: { uid: v.uid }, signal })
  } catch (err) {
    if (isNotFound(err)) return
    throw err
  }
  handle.recorder?.event(v.pod as never, {
    type: "Normal",
    reason: "Preempted",
    action: "Preempting",
    note: `Preempted by pod ${pod.uid} on node ${node}`,
    related: pod.pod as never,
    ref: Pods,
  })
}

/** Evicts the victims and clears lower-priority nominations on the node (upstream's prepareCandidate). */
async function prepareCandidate(
  handle: Handle,
  pod: PodInfo,
  c: Candidate,
  signal: AbortSignal,
): Promise<Status> {
  try {
    await Promise.all(
      c.victims
        .filter((v) => !v.pod.metadata?.deletionTimestamp) // graceful deletion already under way
        .map((v) => preemptPod(handle, pod, c.node, v, signal)),
    )
  } catch (err) {
    return errorStatus(String(err))
  }
  const lower = (handle.nominatedPods?.(c.node) ?? []).filter((p) => p.priority < pod.priority)
  await Promise.all(
    lower.map(async (p) => {
      handle.forgetNomination?.(p.uid)
      await handle.client
        ?.resource(Pods)
        .patch(
          { namespace: p.namespace, name: p.pod.metadata?.name ?? "" },
          { status: { nominatedNodeName: null } },
          { type: "merge", subresource: "status", signal },
        )
        .catch(() => {}) // not critical, as upstream
    }),
  )
  return success()
}

/** Builds DefaultPreemption. */
export function newDefaultPreemption(
  args: DefaultPreemptionArgs | undefined,
  handle: Handle,
): PostFilterPlugin {
  const pct = args?.minCandidateNodesPercentage ?? 10
  const abs = args?.minCandidateNodesAbsolute ?? 100
  return {
    name: "DefaultPreemption",
    async postFilter(state, pod, statuses, signal) {
      const r = await preempt(state, pod, statuses, signal)
      // Upstream's plugin prefixes whatever the evaluator says.
      const reasons = r.status.reasons.map((m) => `preemption: ${m}`)
      return { ...r, status: { ...r.status, reasons } }
    },
  }

  async function preempt(
    state: CycleState,
    pod: PodInfo,
    statuses: ReadonlyMap<string, Status>,
    signal: AbortSignal,
  ): Promise<PostFilterResult> {
    const why = ineligible(pod, handle, statuses)
    if (why) return { status: unschedulable(why) }
    const all = handle.snapshot.list()
    // Only nodes the filters found Unschedulable (not ...AndUnresolvable) may be helped.
    const potential = all.filter((n) => statuses.get(n.name)?.code === "Unschedulable")
    const results = new Map<string, Status>()
    const candidates = dryRun(
      handle,
      { state, pod, potential },
      numCandidates(potential.length, pct, abs),
      results,
    )
    const best = pickOne(candidates)
    if (!best) {
      for (const n of all)
        if (!results.has(n.name))
          results.set(n.name, { code: "UnschedulableAndUnresolvable", reasons: [NOT_HELPFUL] })
      // An empty nomination clears the pod's nominatedNodeName.
      return { status: unschedulable(fitErrorMessage(all.length, results)), nominatedNodeName: "" }
    }
    const prepared = await prepareCandidate(handle, pod, best, signal)
    if (!isSuccess(prepared)) return { status: prepared }
    return { status: success(), nominatedNodeName: best.node }
  }
}

/**
 * DefaultPreemption: when no node fits a pod, finds the node where evicting the fewest and least
 * important pods of lower priority (breaking the fewest PodDisruptionBudgets) makes it fit,
 * deletes those victims and nominates the node.
 */
import { Pods } from "../../../api/index.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { type Status, success, unschedulable } from "../../framework/status.ts"
import type { Handle, PostFilterPlugin } from "../../framework/types.ts"
import { fitErrorMessage } from "../../fit-error.ts"
import { type Candidate, pickOne, selectVictims } from "./victims.ts"

/** Upstream's reason for nodes where evicting pods cannot help. */
export const NOT_HELPFUL = "Preemption is not helpful for scheduling"

/** DefaultPreemptionArgs. */
export interface DefaultPreemptionArgs {
  readonly minCandidateNodesPercentage?: number
  readonly minCandidateNodesAbsolute?: number
}

function ineligible(pod: PodInfo, handle: Handle): string | undefined {
  if (pod.pod.spec?.preemptionPolicy === "Never") return "not eligible due to preemptionPolicy=Never."
  const nominated = pod.pod.status?.nominatedNodeName
  const node = nominated ? handle.snapshot.get(nominated) : undefined
  if (node) {
    for (const p of node.pods.values()) {
      if (p.pod.metadata?.deletionTimestamp && p.priority < pod.priority)
        return "not eligible due to a terminating pod on the nominated node."
    }
  }
  return undefined
}

async function evict(handle: Handle, pod: PodInfo, c: Candidate, signal: AbortSignal): Promise<void> {
  const client = handle.client
  if (!client) return
  const pods = client.resource(Pods)
  for (const v of c.victims) {
    const key = { namespace: v.namespace, name: v.pod.metadata?.name ?? "" }
    const condition = {
      type: "DisruptionTarget",
      status: "True",
      reason: "PreemptionByScheduler",
      message: `${handle.schedulerName ?? "default-scheduler"}: preempting to accommodate a higher priority pod`,
      lastTransitionTime: new Date(handle.clock?.now() ?? Date.now()).toISOString().replace(/\.\d+Z$/, "Z"),
    }
    const conditions = [
      ...(v.pod.status?.conditions ?? []).filter((x) => x.type !== "DisruptionTarget"),
      condition,
    ]
    await pods
      .patch(key, { status: { conditions } }, { type: "merge", subresource: "status", signal })
      .catch(() => {})
    await pods.delete(key, { preconditions: v.uid ? { uid: v.uid } : {}, signal }).catch((err: unknown) => {
      if ((err as { reason?: string }).reason !== "NotFound") throw err
    })
    handle.recorder?.event(
      v.pod as never,
      "Normal",
      "Preempted",
      `Preempted by pod ${pod.uid} on node ${c.node}`,
      Pods,
    )
  }
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
      const why = ineligible(pod, handle)
      if (why) return { status: unschedulable(`preemption: ${why}`) }
      const all = handle.snapshot.list()
      const want = Math.max(abs, Math.trunc((all.length * pct) / 100))
      const results = new Map<string, Status>()
      const candidates: Candidate[] = []
      const offset = all.length ? Math.floor(Math.random() * all.length) : 0
      for (let i = 0; i < all.length && candidates.length < want; i++) {
        const node = all[(offset + i) % all.length]
        if (!node) continue
        const s = statuses.get(node.name)
        if (s && s.code !== "Unschedulable") {
          results.set(node.name, { code: "UnschedulableAndUnresolvable", reasons: [NOT_HELPFUL] })
          continue
        }
        const r = selectVictims(handle, { state: state.clone(), pod, node })
        if ("status" in r) results.set(node.name, r.status)
        else candidates.push({ node: node.name, victims: r.victims, violations: r.violations })
      }
      const best = pickOne(candidates)
      if (!best) return { status: unschedulable(`preemption: ${fitErrorMessage(all.length, results)}`) }
      await evict(handle, pod, best, signal)
      return { status: success(), nominatedNodeName: best.node }
    },
  }
}

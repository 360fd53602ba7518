/**
 * InterPodAffinity: required pod affinity and anti-affinity (the incoming pod's and existing
 * pods'), and scores from preferred terms, per topology domain.
 */
import { skip, success, unresolvable, unschedulable } from "../../framework/status.ts"
import {
  MAX_NODE_SCORE,
  type FilterPlugin,
  type Handle,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from "../../framework/types.ts"
import {
  type AffinityState,
  computeAffinityState,
  satisfiesAffinity,
  satisfiesAntiAffinity,
  satisfiesExistingAntiAffinity,
  updateAffinityState,
} from "./filtering.ts"
import { nodeScore, scoreExisting, scoreOwnTerms } from "./scoring.ts"
import { TopologyCounts } from "../topology-counts.ts"

/** Upstream's reasons. */
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"

const NAME = "InterPodAffinity"
const PRE_FILTER_KEY = `PreFilter${NAME}`
const PRE_SCORE_KEY = `PreScore${NAME}`

/** InterPodAffinityArgs. */
export interface InterPodAffinityArgs {
  /** The score weight of existing pods' required affinity terms (default 1). */
  readonly hardPodAffinityWeight?: number
}

/** Builds InterPodAffinity. */
export function newInterPodAffinity(
  args: InterPodAffinityArgs | undefined,
  handle: Handle,
): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const hardWeight = args?.hardPodAffinityWeight ?? 1
  const nsLabels = (ns: string) => handle.namespaceLabels?.(ns)
  return {
    name: NAME,
    preFilter(state, pod) {
      const own = pod.requiredAffinity.length + pod.requiredAntiAffinity.length > 0
      if (!own && handle.snapshot.withRequiredAntiAffinityPods().length === 0) return { status: skip() }
      const s = computeAffinityState(pod, handle.snapshot, nsLabels)
      // Nothing to check on any node: skip the filter.
      if (!own && s.existingAntiAffinity.size === 0) return { status: skip() }
      state.write(PRE_FILTER_KEY, s)
      return { status: success() }
    },
    addPod(state, pod, other, node) {
      updateAffinityState(state, PRE_FILTER_KEY, { pod, other, node, by: 1 }, nsLabels)
      return success()
    },
    removePod(state, pod, other, node) {
      updateAffinityState(state, PRE_FILTER_KEY, { pod, other, node, by: -1 }, nsLabels)
      return success()
    },
    filter(state, pod, node) {
      const s = state.read<AffinityState>(PRE_FILTER_KEY)
      if (!s) return success()
      if (!satisfiesAffinity(s, pod, node)) return unresolvable(ERR_REASON_AFFINITY)
      if (!satisfiesAntiAffinity(s, pod, node)) return unschedulable(ERR_REASON_ANTI_AFFINITY)
      if (!satisfiesExistingAntiAffinity(s, node)) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY)
      return success()
    },
    preScore(state, pod) {
      const own = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0
      const withTerms = handle.snapshot.withAffinityPods().length > 0
      if (!own && !withTerms) return skip()
      const scores = new TopologyCounts()
      if (own) scoreOwnTerms(scores, handle.snapshot, pod, nsLabels)
      // Existing pods' terms count when they may select this pod.
      if (withTerms)
        handle.snapshot.forEachAffinityPod(pod.labels, (existing, node) =>
          scoreExisting(scores, { pod, existing, node, hardWeight, nsLabels }),
        )
      if (scores.size === 0) return skip()
      state.write(PRE_SCORE_KEY, scores)
      return success()
    },
    score(state, _pod, node) {
      const scores = state.read<TopologyCounts>(PRE_SCORE_KEY)
      return scores ? nodeScore(scores, node) : 0
    },
    normalizeScore(_state, _pod, scores) {
      let min = Infinity
      let max = -Infinity
      for (const s of scores) {
        min = Math.min(min, s)
        max = Math.max(max, s)
      }
      const diff = max - min
      for (let i = 0; i < scores.length; i++) {
        scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * ((scores[i] ?? 0) - min)) / diff) : 0
      }
    },
  }
}

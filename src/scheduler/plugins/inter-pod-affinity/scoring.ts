/**
 * InterPodAffinity's pre-score state: a score per topology pair from the preferred terms of the
 * incoming pod and of existing pods (and existing pods' required affinity at the hard weight).
 */
import type { NodeInfo } from "../../framework/node-info.ts"
import {
  type AffinityTerm,
  type NamespaceLabels,
  type PodInfo,
  termMatches,
} from "../../framework/pod-info.ts"
import type { TopologyCounts } from "../topology-counts.ts"

function add(
  scores: TopologyCounts,
  node: NodeInfo,
  terms: readonly AffinityTerm[],
  target: PodInfo,
  sign: number,
  weight: number | undefined,
  nsLabels: NamespaceLabels | undefined,
): void {
  for (const t of terms) {
    if (!termMatches(t, target, nsLabels)) continue
    const v = node.labels[t.topologyKey]
    if (v === undefined) continue
    scores.add(t.topologyKey, v, sign * (weight ?? t.weight))
  }
}

/** Accumulates what one existing pod contributes to the pair scores of the incoming `pod`. */
export function scoreExisting(
  scores: TopologyCounts,
  pair: {
    readonly pod: PodInfo
    readonly existing: PodInfo
    readonly node: NodeInfo
    readonly hardWeight: number
    readonly nsLabels?: NamespaceLabels
  },
): void {
  const { pod, existing, node, hardWeight, nsLabels } = pair
  add(scores, node, pod.preferredAffinity, existing, 1, undefined, nsLabels)
  add(scores, node, pod.preferredAntiAffinity, existing, -1, undefined, nsLabels)
  if (!existing.withAffinity) return
  if (hardWeight > 0) add(scores, node, existing.requiredAffinity, pod, 1, hardWeight, nsLabels)
  add(scores, node, existing.preferredAffinity, pod, 1, undefined, nsLabels)
  add(scores, node, existing.preferredAntiAffinity, pod, -1, undefined, nsLabels)
}

/** The node's score: the sum of the scores of its topology pairs. */
export function nodeScore(scores: TopologyCounts, node: NodeInfo): number {
  return scores.size === 0 ? 0 : scores.sumFor(node.labels)
}

/**
 * InterPodAffinity's pre-score state: a score per topology pair from the preferred terms of the
 * incoming pod and of existing pods (and existing pods' required affinity at the hard weight).
 * Each term is matched only against the pods that may carry the label it requires.
 */
import type { NodeInfo } from "../../framework/node-info.ts"
import {
  type AffinityTerm,
  type NamespaceLabels,
  type PodInfo,
  termMatches,
} from "../../framework/pod-info.ts"
import type { Snapshot } from "../../framework/types.ts"
import { forEachPodTermMaySelect } from "./candidates.ts"
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
  for (const t of terms) addTerm(scores, node, t, target, sign * (weight ?? t.weight), nsLabels)
}

/** Adds `by` to the node's pair of the term's topology key when the term selects `target`. */
function addTerm(
  scores: TopologyCounts,
  node: NodeInfo,
  t: AffinityTerm,
  target: PodInfo,
  by: number,
  nsLabels: NamespaceLabels | undefined,
): void {
  if (!termMatches(t, target, nsLabels)) return
  const v = node.labels[t.topologyKey]
  if (v !== undefined) scores.add(t.topologyKey, v, by)
}

/** Accumulates the incoming pod's own preferred terms over the existing pods they select. */
export function scoreOwnTerms(
  scores: TopologyCounts,
  snapshot: Snapshot,
  pod: PodInfo,
  nsLabels: NamespaceLabels | undefined,
): void {
  const each = (terms: readonly AffinityTerm[], sign: number) => {
    for (const t of terms) {
      forEachPodTermMaySelect(snapshot, t, (existing, node) =>
        addTerm(scores, node, t, existing, sign * t.weight, nsLabels),
      )
    }
  }
  each(pod.preferredAffinity, 1)
  each(pod.preferredAntiAffinity, -1)
}

/** Accumulates what one existing pod's terms contribute for the incoming `pod`. */
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
  if (!existing.withAffinity) return
  if (hardWeight > 0) add(scores, node, existing.requiredAffinity, pod, 1, hardWeight, nsLabels)
  add(scores, node, existing.preferredAffinity, pod, 1, undefined, nsLabels)
  add(scores, node, existing.preferredAntiAffinity, pod, -1, undefined, nsLabels)
}

/** The node's score: the sum of the scores of its topology pairs. */
export function nodeScore(scores: TopologyCounts, node: NodeInfo): number {
  return scores.size === 0 ? 0 : scores.sumFor(node.labels)
}

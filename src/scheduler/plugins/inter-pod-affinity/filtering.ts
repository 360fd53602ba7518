/**
 * InterPodAffinity's pre-filter state: how many existing pods per topology pair
 * (label key and value) match the incoming pod's required affinity and anti-affinity terms, and how many
 * existing pods' required anti-affinity terms match the incoming pod.
 */
import type { CycleState } from "../../framework/cycle-state.ts"
import type { NodeInfo } from "../../framework/node-info.ts"
import {
  type AffinityTerm,
  type NamespaceLabels,
  type PodInfo,
  termMatches,
} from "../../framework/pod-info.ts"
import type { Snapshot } from "../../framework/types.ts"
import { forEachPodTermMaySelect } from "./candidates.ts"

import { TopologyCounts } from "../topology-counts.ts"

/** What the filter needs for one pod. */
export interface AffinityState {
  /** Whether the pod's required affinity terms match the pod itself (the first of a group). */
  readonly selectsItself: boolean
  readonly existingAntiAffinity: TopologyCounts
  readonly affinity: TopologyCounts
  readonly antiAffinity: TopologyCounts
  /** The cycle state whose copy this is: a clone of the state copies it before changing it. */
  readonly owner?: CycleState
}

function bump(counts: TopologyCounts, node: NodeInfo, key: string): void {
  const value = node.labels[key]
  if (value !== undefined) counts.add(key, value)
}

/** True when `target` matches every term (upstream's podMatchesAllAffinityTerms). */
export function matchesAllTerms(
  terms: readonly AffinityTerm[],
  target: PodInfo,
  nsLabels?: NamespaceLabels,
): boolean {
  return terms.length > 0 && terms.every((t) => termMatches(t, target, nsLabels))
}

/** Builds the state by walking the nodes that matter. */
export function computeAffinityState(
  pod: PodInfo,
  snapshot: Snapshot,
  nsLabels?: NamespaceLabels,
): AffinityState {
  const existingAntiAffinity = new TopologyCounts()
  snapshot.forEachAffinityPod(pod.labels, (existing, node) => {
    for (const t of existing.requiredAntiAffinity)
      if (termMatches(t, pod, nsLabels)) bump(existingAntiAffinity, node, t.topologyKey)
  })
  const affinity = new TopologyCounts()
  const antiAffinity = new TopologyCounts()
  // A pod matching every affinity term matches the first: its candidates are enough.
  const first = pod.requiredAffinity[0]
  if (first) {
    forEachPodTermMaySelect(snapshot, first, (existing, node) => {
      if (matchesAllTerms(pod.requiredAffinity, existing, nsLabels))
        for (const t of pod.requiredAffinity) bump(affinity, node, t.topologyKey)
    })
  }
  for (const t of pod.requiredAntiAffinity) {
    forEachPodTermMaySelect(snapshot, t, (existing, node) => {
      if (termMatches(t, existing, nsLabels)) bump(antiAffinity, node, t.topologyKey)
    })
  }
  const selectsItself = matchesAllTerms(pod.requiredAffinity, pod, nsLabels)
  return { selectsItself, existingAntiAffinity, affinity, antiAffinity }
}

/** True when the node's topology pairs hold pods the incoming pod's affinity wants. */
export function satisfiesAffinity(state: AffinityState, pod: PodInfo, node: NodeInfo): boolean {
  if (pod.requiredAffinity.length === 0) return true
  let all = true
  for (const t of pod.requiredAffinity) {
    const v = node.labels[t.topologyKey]
    if (v === undefined) return false
    if (state.affinity.get(t.topologyKey, v) <= 0) all = false
  }
  // The first pod of a group that selects itself may go anywhere its keys exist.
  return all || (state.affinity.size === 0 && state.selectsItself)
}

/** True when no pod the incoming pod's anti-affinity avoids shares a topology pair with the node. */
export function satisfiesAntiAffinity(state: AffinityState, pod: PodInfo, node: NodeInfo): boolean {
  for (const t of pod.requiredAntiAffinity) {
    const v = node.labels[t.topologyKey]
    if (v !== undefined && state.antiAffinity.get(t.topologyKey, v) > 0) return false
  }
  return true
}

/** True when no existing pod's anti-affinity rejects the incoming pod in the node's topology pairs. */
export function satisfiesExistingAntiAffinity(state: AffinityState, node: NodeInfo): boolean {
  return state.existingAntiAffinity.size === 0 || !state.existingAntiAffinity.anyFor(node.labels)
}

function update(counts: TopologyCounts, node: NodeInfo, key: string, by: number): void {
  const value = node.labels[key]
  if (value !== undefined) counts.update(key, value, by)
}

/**
 * The state of `state` with `other` counted `by` more times on `node` (upstream's updateWithPod,
 * for preemption's what-if and nominated pods). Copied on first change in a cloned state.
 */
export function updateAffinityState(
  state: CycleState,
  key: string,
  change: { readonly pod: PodInfo; readonly other: PodInfo; readonly node: NodeInfo; readonly by: number },
  nsLabels?: NamespaceLabels,
): void {
  const have = state.read<AffinityState>(key)
  if (!have) return
  const s: AffinityState =
    have.owner === state
      ? have
      : {
          selectsItself: have.selectsItself,
          existingAntiAffinity: have.existingAntiAffinity.clone(),
          affinity: have.affinity.clone(),
          antiAffinity: have.antiAffinity.clone(),
          owner: state,
        }
  const { pod, other, node, by } = change
  for (const t of other.requiredAntiAffinity)
    if (termMatches(t, pod, nsLabels)) update(s.existingAntiAffinity, node, t.topologyKey, by)
  if (matchesAllTerms(pod.requiredAffinity, other, nsLabels))
    for (const t of pod.requiredAffinity) update(s.affinity, node, t.topologyKey, by)
  for (const t of pod.requiredAntiAffinity)
    if (termMatches(t, other, nsLabels)) update(s.antiAffinity, node, t.topologyKey, by)
  state.write(key, s)
}

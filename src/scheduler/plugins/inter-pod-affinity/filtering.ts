/**
 * InterPodAffinity's pre-filter state: how many existing pods per topology pair
 * ("key=value") match the incoming pod's required affinity and anti-affinity terms, and how many
 * existing pods' required anti-affinity terms match the incoming pod.
 */
import type { NodeInfo } from "../../framework/node-info.ts"
import { type AffinityTerm, type PodInfo, termMatches } from "../../framework/pod-info.ts"
import type { Snapshot } from "../../framework/types.ts"

/** Counts per "topologyKey=value". */
export type TopologyCounts = Map<string, number>

/** What the filter needs for one pod. */
export interface AffinityState {
  readonly existingAntiAffinity: TopologyCounts
  readonly affinity: TopologyCounts
  readonly antiAffinity: TopologyCounts
}

function bump(counts: TopologyCounts, node: NodeInfo, key: string, by = 1): void {
  const value = node.labels[key]
  if (value === undefined) return
  const pair = `${key}=${value}`
  counts.set(pair, (counts.get(pair) ?? 0) + by)
}

/** True when `target` matches every term (upstream's podMatchesAllAffinityTerms). */
export function matchesAllTerms(terms: readonly AffinityTerm[], target: PodInfo): boolean {
  return terms.length > 0 && terms.every((t) => termMatches(t, target))
}

/** Builds the state by walking the nodes that matter. */
export function computeAffinityState(pod: PodInfo, snapshot: Snapshot): AffinityState {
  const existingAntiAffinity: TopologyCounts = new Map()
  for (const node of snapshot.withRequiredAntiAffinityPods()) {
    for (const existing of node.podsWithRequiredAntiAffinity) {
      for (const t of existing.requiredAntiAffinity)
        if (termMatches(t, pod)) bump(existingAntiAffinity, node, t.topologyKey)
    }
  }
  const affinity: TopologyCounts = new Map()
  const antiAffinity: TopologyCounts = new Map()
  if (pod.requiredAffinity.length + pod.requiredAntiAffinity.length > 0) {
    for (const node of snapshot.list()) {
      for (const existing of node.pods.values()) {
        if (matchesAllTerms(pod.requiredAffinity, existing))
          for (const t of pod.requiredAffinity) bump(affinity, node, t.topologyKey)
        for (const t of pod.requiredAntiAffinity)
          if (termMatches(t, existing)) bump(antiAffinity, node, t.topologyKey)
      }
    }
  }
  return { existingAntiAffinity, affinity, antiAffinity }
}

/** True when the node's topology pairs hold pods the incoming pod's affinity wants. */
export function satisfiesAffinity(state: AffinityState, pod: PodInfo, node: NodeInfo): boolean {
  if (pod.requiredAffinity.length === 0) return true
  let all = true
  for (const t of pod.requiredAffinity) {
    const v = node.labels[t.topologyKey]
    if (v === undefined) return false
    if (!((state.affinity.get(`${t.topologyKey}=${v}`) ?? 0) > 0)) all = false
  }
  // The first pod of a group that selects itself may go anywhere its keys exist.
  return all || (state.affinity.size === 0 && matchesAllTerms(pod.requiredAffinity, pod))
}

/** True when no pod the incoming pod's anti-affinity avoids shares a topology pair with the node. */
export function satisfiesAntiAffinity(state: AffinityState, pod: PodInfo, node: NodeInfo): boolean {
  for (const t of pod.requiredAntiAffinity) {
    const v = node.labels[t.topologyKey]
    if (v !== undefined && (state.antiAffinity.get(`${t.topologyKey}=${v}`) ?? 0) > 0) return false
  }
  return true
}

/** True when no existing pod's anti-affinity rejects the incoming pod in the node's topology pairs. */
export function satisfiesExistingAntiAffinity(state: AffinityState, node: NodeInfo): boolean {
  if (state.existingAntiAffinity.size === 0) return true
  const labels = node.labels
  for (const k in labels) if ((state.existingAntiAffinity.get(`${k}=${labels[k]}`) ?? 0) > 0) return false
  return true
}

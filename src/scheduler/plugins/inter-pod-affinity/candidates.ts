/** The existing pods an inter-pod affinity term is checked against. */
import type { NodeInfo } from "../../framework/node-info.ts"
import type { AffinityTerm, PodInfo } from "../../framework/pod-info.ts"
import type { Snapshot } from "../../framework/types.ts"

/**
 * Calls `fn` for each pod (with its node) `term` may select: those with the label its selector
 * requires, or every pod when it requires none.
 */
export function forEachPodTermMaySelect(
  snapshot: Snapshot,
  term: AffinityTerm,
  fn: (pod: PodInfo, node: NodeInfo) => void,
): void {
  const pair = term.requiredLabel
  if (pair) return snapshot.forEachPodWithLabel(pair[0], pair[1], fn)
  for (const node of snapshot.list()) for (const p of node.pods.values()) fn(p, node)
}

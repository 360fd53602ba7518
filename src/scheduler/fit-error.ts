/** The message of a pod that fits nowhere, in upstream's shape ("0/3 nodes are available: ..."). */
import type { Status } from "./framework/status.ts"

/** Upstream's message when the cluster has no nodes at all. */
export const NO_NODES_AVAILABLE = "no nodes available to schedule pods"

/**
 * "0/N nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}." — each
 * reason counted over the nodes that gave it, sorted as strings, as upstream's FitError.
 */
export function fitErrorMessage(numAllNodes: number, statuses: ReadonlyMap<string, Status>): string {
  if (numAllNodes === 0) return NO_NODES_AVAILABLE
  const histogram = new Map<string, number>()
  for (const s of statuses.values()) for (const r of s.reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1)
  const reasons = [...histogram].map(([r, n]) => `${n} ${r}`).sort()
  return `0/${numAllNodes} nodes are available: ${reasons.join(", ")}.`
}

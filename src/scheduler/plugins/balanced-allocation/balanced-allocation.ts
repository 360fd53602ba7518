/**
 * NodeResourcesBalancedAllocation: favours nodes whose cpu and memory would be used in similar
 * proportions with the pod on them (1 minus the standard deviation of the fractions, times 100).
 */
import { MAX_NODE_SCORE, type ScorePlugin } from "../../framework/types.ts"
import {
  allocatableAndRequested,
  DEFAULT_RESOURCES,
  type ResourceSpec,
} from "../node-resources-fit/allocation.ts"

/** NodeResourcesBalancedAllocationArgs. */
export interface BalancedAllocationArgs {
  readonly resources?: readonly ResourceSpec[]
}

/** Builds NodeResourcesBalancedAllocation. */
export function newBalancedAllocation(args: BalancedAllocationArgs = {}): ScorePlugin {
  const resources = args.resources ?? DEFAULT_RESOURCES
  return {
    name: "NodeResourcesBalancedAllocation",
    score(_state, pod, node) {
      const fractions: number[] = []
      for (const r of resources) {
        const [alloc, req] = allocatableAndRequested(node, pod, r.name)
        if (alloc === 0) continue
        fractions.push(Math.min(1, req / alloc))
      }
      let std = 0
      if (fractions.length === 2) std = Math.abs((fractions[0] ?? 0) - (fractions[1] ?? 0)) / 2
      else if (fractions.length > 2) {
        const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length
        std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length)
      }
      return Math.trunc((1 - std) * MAX_NODE_SCORE)
    },
  }
}

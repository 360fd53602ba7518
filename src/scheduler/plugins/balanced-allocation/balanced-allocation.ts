/**
 * NodeResourcesBalancedAllocation: favours nodes whose cpu and memory would be used in similar
 * proportions with the pod on them (1 minus the standard deviation of the fractions, times 100),
 * counting actual requests. Best-effort pods (no requests) are not scored, as upstream, so they
 * do not all pile onto one node.
 */
import { ALLOC_CPU, ALLOC_MEMORY, type NodeInfo, REQ_CPU, REQ_MEMORY } from "../../framework/node-info.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { skip, success } from "../../framework/status.ts"
import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin } from "../../framework/types.ts"
import {
  allocatableOf,
  podRequestOf,
  DEFAULT_RESOURCES,
  isCpuAndMemory,
  requestedActually,
  type ResourceSpec,
} from "../node-resources-fit/allocation.ts"

/** NodeResourcesBalancedAllocationArgs. */
export interface BalancedAllocationArgs {
  readonly resources?: readonly ResourceSpec[]
}

/**
 * The score over cpu and memory (the default), read straight from the node's fit numbers: one
 * fraction alone deviates by nothing, two by half their difference.
 */
function balancedCpuMemory(pod: PodInfo, node: NodeInfo): number {
  const f = node.fit
  const cpu = f[ALLOC_CPU] as number
  const memory = f[ALLOC_MEMORY] as number
  if (cpu === 0 || memory === 0) return MAX_NODE_SCORE
  const a = Math.min(1, ((f[REQ_CPU] as number) + pod.requests.milliCPU) / cpu)
  const b = Math.min(1, ((f[REQ_MEMORY] as number) + pod.requests.memory) / memory)
  return Math.trunc((1 - Math.abs(a - b) / 2) * MAX_NODE_SCORE)
}

/** Builds NodeResourcesBalancedAllocation. */
export function newBalancedAllocation(args: BalancedAllocationArgs = {}): PreScorePlugin & ScorePlugin {
  const resources = args.resources ?? DEFAULT_RESOURCES
  const cpuAndMemory = isCpuAndMemory(resources)
  return {
    name: "NodeResourcesBalancedAllocation",
    preScore(_state, pod) {
      return resources.some((r) => podRequestOf(pod, r.name) > 0) ? success() : skip()
    },
    score(_state, pod, node) {
      if (cpuAndMemory) return balancedCpuMemory(pod, node)
      // Two resources (the default) need no array: the deviation is half their difference.
      let n = 0
      let a = 0
      let sum = 0
      let sumSq = 0
      for (const r of resources) {
        const alloc = allocatableOf(node, pod, r.name)
        if (alloc === 0) continue
        const f = Math.min(1, requestedActually(node, pod, r.name) / alloc)
        if (n === 0) a = f
        n++
        sum += f
        sumSq += f * f
      }
      let std = 0
      if (n === 2) std = Math.abs(a - (sum - a)) / 2
      else if (n > 2) std = Math.sqrt(Math.max(0, sumSq / n - (sum / n) ** 2))
      return Math.trunc((1 - std) * MAX_NODE_SCORE)
    },
  }
}

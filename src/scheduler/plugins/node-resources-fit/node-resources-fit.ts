/**
 * NodeResourcesFit: filters out nodes without room for the pod's requests (cpu, memory,
 * ephemeral-storage, extended resources, pod count) and scores the rest by a strategy.
 */
import {
  ALLOC_CPU,
  ALLOC_EPHEMERAL,
  ALLOC_MEMORY,
  ALLOC_PODS,
  type NodeInfo,
  POD_COUNT,
  REQ_CPU,
  REQ_EPHEMERAL,
  REQ_MEMORY,
} from "../../framework/node-info.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { type Status, success, unschedulable } from "../../framework/status.ts"
import type { FilterPlugin, ScorePlugin } from "../../framework/types.ts"
import { DEFAULT_RESOURCES, type ResourceSpec } from "./allocation.ts"
import { scorer, type ScoringStrategyType, type UtilizationShapePoint } from "./scoring.ts"

/** NodeResourcesFitArgs, the parts k8ts reads. */
export interface NodeResourcesFitArgs {
  readonly ignoredResources?: readonly string[]
  readonly ignoredResourceGroups?: readonly string[]
  readonly scoringStrategy?: {
    readonly type?: ScoringStrategyType
    readonly resources?: readonly ResourceSpec[]
    readonly requestedToCapacityRatio?: { readonly shape?: readonly UtilizationShapePoint[] }
  }
}

/** The reasons the pod does not fit `node` (empty when it does), as upstream words them. */
export function insufficientResources(
  pod: PodInfo,
  node: NodeInfo,
  ignored: (name: string) => boolean,
): string[] {
  const out: string[] = []
  if (node.pods.size + 1 > node.allocatable.allowedPodNumber) out.push("Too many pods")
  const want = pod.requests
  const alloc = node.allocatable
  const used = node.requested
  if (want.milliCPU > 0 && alloc.milliCPU < want.milliCPU + used.milliCPU) out.push("Insufficient cpu")
  if (want.memory > 0 && alloc.memory < want.memory + used.memory) out.push("Insufficient memory")
  if (want.ephemeralStorage > 0 && alloc.ephemeralStorage < want.ephemeralStorage + used.ephemeralStorage)
    out.push("Insufficient ephemeral-storage")
  for (const [name, q] of want.scalar) {
    if (q === 0 || ignored(name)) continue
    if ((alloc.scalar.get(name) ?? 0) < q + (used.scalar.get(name) ?? 0)) out.push(`Insufficient ${name}`)
  }
  return out
}

/** True when the pod fits without a second look (the common case: the node's fit numbers only). */
function fitsQuickly(pod: PodInfo, node: NodeInfo): boolean {
  const want = pod.requests
  const f = node.fit
  return (
    want.scalar.size === 0 &&
    (f[POD_COUNT] as number) + 1 <= (f[ALLOC_PODS] as number) &&
    (f[ALLOC_CPU] as number) >= want.milliCPU + (f[REQ_CPU] as number) &&
    (f[ALLOC_MEMORY] as number) >= want.memory + (f[REQ_MEMORY] as number) &&
    (f[ALLOC_EPHEMERAL] as number) >= want.ephemeralStorage + (f[REQ_EPHEMERAL] as number)
  )
}

/** Builds NodeResourcesFit. */
export function newNodeResourcesFit(args: NodeResourcesFitArgs = {}): FilterPlugin & ScorePlugin {
  const ignored = new Set(args.ignoredResources ?? [])
  const groups = args.ignoredResourceGroups ?? []
  const isIgnored = (name: string) => ignored.has(name) || groups.some((g) => name.startsWith(`${g}/`))
  const strategy = args.scoringStrategy ?? {}
  const score = scorer(
    strategy.type ?? "LeastAllocated",
    strategy.resources ?? DEFAULT_RESOURCES,
    strategy.requestedToCapacityRatio?.shape,
  )
  const rejections = new Map<string, Status>()
  return {
    name: "NodeResourcesFit",
    filter(_state, pod, node) {
      if (fitsQuickly(pod, node)) return success()
      const reasons = insufficientResources(pod, node, isIgnored)
      if (reasons.length === 0) return success()
      const key = reasons.join("\n")
      let s = rejections.get(key)
      if (!s) rejections.set(key, (s = { ...unschedulable(...reasons), plugin: "NodeResourcesFit" }))
      return s
    },
    score(_state, pod, node) {
      return score(pod, node)
    },
  }
}

/**
 * NodeResourcesFit's scoring strategies: LeastAllocated (the default; emptier nodes rank
 * higher), MostAllocated (bin packing) and RequestedToCapacityRatio (a piecewise-linear shape
 * of utilization).
 */
import {
  ALLOC_CPU,
  ALLOC_MEMORY,
  type NodeInfo,
  NON_ZERO_CPU,
  NON_ZERO_MEMORY,
} from "../../framework/node-info.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { MAX_NODE_SCORE } from "../../framework/types.ts"
import { allocatableOf, isCpuAndMemory, requestedWith, type ResourceSpec } from "./allocation.ts"

/** The strategy names of upstream's ScoringStrategyType. */
export type ScoringStrategyType = "LeastAllocated" | "MostAllocated" | "RequestedToCapacityRatio"

/** A point of RequestedToCapacityRatio's shape: utilization 0..100 maps to score 0..10. */
export interface UtilizationShapePoint {
  readonly utilization: number
  readonly score: number
}

/** Upstream's MaxCustomPriorityScore: shape scores go up to 10. */
const MAX_CUSTOM_PRIORITY_SCORE = 10

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity)
}

function mostRequested(requested: number, capacity: number): number {
  if (capacity === 0) return 0
  return Math.trunc((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity)
}

/** A piecewise-linear function through the points (sorted by utilization), flat beyond the ends. */
export function brokenLinear(shape: readonly UtilizationShapePoint[]): (utilization: number) => number {
  const pts = shape.map((p) => ({
    x: p.utilization,
    y: (p.score * MAX_NODE_SCORE) / MAX_CUSTOM_PRIORITY_SCORE,
  }))
  return (x) => {
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i] as { x: number; y: number }
      if (x <= p.x) {
        if (i === 0) return p.y
        const q = pts[i - 1] as { x: number; y: number }
        return q.y + ((p.y - q.y) * (x - q.x)) / (p.x - q.x)
      }
    }
    return pts.length ? (pts[pts.length - 1] as { y: number }).y : 0
  }
}

/**
 * LeastAllocated over cpu and memory weighted alike (the default): what the general scorer
 * computes, read straight from the node's fit numbers, for hundreds of nodes every cycle.
 */
function leastAllocatedCpuMemory(pod: PodInfo, node: NodeInfo): number {
  const f = node.fit
  const cpu = f[ALLOC_CPU] as number
  const memory = f[ALLOC_MEMORY] as number
  let sum = 0
  let n = 0
  if (cpu !== 0) {
    sum += leastRequested((f[NON_ZERO_CPU] as number) + pod.nonZero.milliCPU, cpu)
    n++
  }
  if (memory !== 0) {
    sum += leastRequested((f[NON_ZERO_MEMORY] as number) + pod.nonZero.memory, memory)
    n++
  }
  return n === 0 ? 0 : Math.trunc(sum / n)
}

/** A node scorer for one strategy over `resources`. */
export function scorer(
  type: ScoringStrategyType,
  resources: readonly ResourceSpec[],
  shape: readonly UtilizationShapePoint[] = [
    { utilization: 0, score: 10 },
    { utilization: 100, score: 0 },
  ],
): (pod: PodInfo, node: NodeInfo) => number {
  if (type === "LeastAllocated" && isCpuAndMemory(resources)) return leastAllocatedCpuMemory
  const fn = brokenLinear(shape)
  const ratio = (requested: number, capacity: number) => {
    if (capacity === 0 || requested > capacity) return Math.trunc(fn(100))
    return Math.trunc(fn(Math.trunc((requested * 100) / capacity)))
  }
  const each = type === "MostAllocated" ? mostRequested : type === "LeastAllocated" ? leastRequested : ratio
  return (pod, node) => {
    let sum = 0
    let weights = 0
    for (const r of resources) {
      const alloc = allocatableOf(node, pod, r.name)
      if (alloc === 0) continue
      sum += each(requestedWith(node, pod, r.name), alloc) * r.weight
      weights += r.weight
    }
    if (weights === 0) return 0
    return type === "RequestedToCapacityRatio" ? Math.round(sum / weights) : Math.trunc(sum / weights)
  }
}

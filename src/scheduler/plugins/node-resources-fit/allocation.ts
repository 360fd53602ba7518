/**
 * Resource amounts as the scoring strategies see them: what the node can allocate and what it
 * would have requested with the pod on it (non-zero requests for cpu and memory, as upstream).
 */
import {
  ALLOC_CPU,
  ALLOC_MEMORY,
  type NodeInfo,
  NON_ZERO_CPU,
  NON_ZERO_MEMORY,
  REQ_CPU,
  REQ_MEMORY,
} from "../../framework/node-info.ts"
import type { PodInfo } from "../../framework/pod-info.ts"

/** A resource and its weight in a score. */
export interface ResourceSpec {
  readonly name: string
  readonly weight: number
}

/** Upstream's default: cpu and memory, weight 1 each. */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = [
  { name: "cpu", weight: 1 },
  { name: "memory", weight: 1 },
]

/**
 * True for cpu and memory with equal (whole, as upstream's int64) weights, in either order (the
 * default): scores over them read the node's fit numbers directly.
 */
export function isCpuAndMemory(resources: readonly ResourceSpec[]): boolean {
  const [a, b] = resources
  if (resources.length !== 2 || !a || !b || a.weight !== b.weight) return false
  if (!Number.isSafeInteger(a.weight) || a.weight <= 0) return false
  return (a.name === "cpu" && b.name === "memory") || (a.name === "memory" && b.name === "cpu")
}

/** What the node can allocate of one resource; 0 for an extended resource the pod does not ask for. */
export function allocatableOf(node: NodeInfo, pod: PodInfo, name: string): number {
  switch (name) {
    case "cpu":
      return node.fit[ALLOC_CPU] as number
    case "memory":
      return node.fit[ALLOC_MEMORY] as number
    case "ephemeral-storage":
      return node.allocatable.ephemeralStorage
    default:
      // An extended resource the pod does not ask for does not dilute the score.
      return (pod.requests.scalar.get(name) ?? 0) === 0 ? 0 : (node.allocatable.scalar.get(name) ?? 0)
  }
}

/** What the node would have requested of one resource with the pod on it (non-zero cpu and memory). */
export function requestedWith(node: NodeInfo, pod: PodInfo, name: string): number {
  switch (name) {
    case "cpu":
      return (node.fit[NON_ZERO_CPU] as number) + pod.nonZero.milliCPU
    case "memory":
      return (node.fit[NON_ZERO_MEMORY] as number) + pod.nonZero.memory
    case "ephemeral-storage":
      return node.requested.ephemeralStorage + pod.requests.ephemeralStorage
    default:
      return (node.requested.scalar.get(name) ?? 0) + (pod.requests.scalar.get(name) ?? 0)
  }
}

/** What the node would have requested with the pod on it, by actual requests (no defaults). */
export function requestedActually(node: NodeInfo, pod: PodInfo, name: string): number {
  switch (name) {
    case "cpu":
      return (node.fit[REQ_CPU] as number) + pod.requests.milliCPU
    case "memory":
      return (node.fit[REQ_MEMORY] as number) + pod.requests.memory
    default:
      return requestedWith(node, pod, name)
  }
}

/** The pod's own request of one resource. */
export function podRequestOf(pod: PodInfo, name: string): number {
  switch (name) {
    case "cpu":
      return pod.requests.milliCPU
    case "memory":
      return pod.requests.memory
    case "ephemeral-storage":
      return pod.requests.ephemeralStorage
    default:
      return pod.requests.scalar.get(name) ?? 0
  }
}

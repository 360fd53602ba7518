/**
 * Resource amounts as the scoring strategies see them: what the node can allocate and what it
 * would have requested with the pod on it (non-zero requests for cpu and memory, as upstream).
 */
import type { NodeInfo } from "../../framework/node-info.ts"
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

/** What the node can allocate of one resource; 0 for an extended resource the pod does not ask for. */
export function allocatableOf(node: NodeInfo, pod: PodInfo, name: string): number {
  switch (name) {
    case "cpu":
      return node.allocatable.milliCPU
    case "memory":
      return node.allocatable.memory
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
      return node.nonZeroRequested.milliCPU + pod.nonZero.milliCPU
    case "memory":
      return node.nonZeroRequested.memory + pod.nonZero.memory
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
      return node.requested.milliCPU + pod.requests.milliCPU
    case "memory":
      return node.requested.memory + pod.requests.memory
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

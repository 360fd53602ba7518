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

/**
 * [allocatable, requested-with-the-pod] of one resource on the node; [0, 0] for an extended
 * resource the pod does not ask for (so it does not dilute the score).
 */
export function allocatableAndRequested(node: NodeInfo, pod: PodInfo, name: string): [number, number] {
  switch (name) {
    case "cpu":
      return [node.allocatable.milliCPU, node.nonZeroRequested.milliCPU + pod.nonZero.milliCPU]
    case "memory":
      return [node.allocatable.memory, node.nonZeroRequested.memory + pod.nonZero.memory]
    case "ephemeral-storage":
      return [
        node.allocatable.ephemeralStorage,
        node.requested.ephemeralStorage + pod.requests.ephemeralStorage,
      ]
    default: {
      const want = pod.requests.scalar.get(name) ?? 0
      if (want === 0) return [0, 0]
      return [node.allocatable.scalar.get(name) ?? 0, (node.requested.scalar.get(name) ?? 0) + want]
    }
  }
}

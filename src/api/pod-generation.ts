/**
 * Pod generation tracking (KEP-5067, GA in Kubernetes 1.35): the kubelet reports in
 * status.observedGeneration the metadata.generation of the pod it acted on, and every writer of
 * a pod condition records in the condition's observedGeneration the generation it saw
 * (upstream's CalculatePodStatusObservedGeneration and CalculatePodConditionObservedGeneration,
 * with the feature on). The object types predate the fields, so they are added here.
 */
import type { Pod, PodCondition, PodStatus } from "kubernetes-types/core/v1.js"

/** A pod condition with the generation its writer saw. */
export type TrackedPodCondition = PodCondition & { observedGeneration?: number }

/** A pod status with the generation the kubelet acted on. */
export type TrackedPodStatus = PodStatus & { observedGeneration?: number }

/**
 * `{ observedGeneration }` to spread into a status or condition written for `pod`: the pod's
 * metadata.generation, or nothing when it has none (Go omits the zero value).
 */
export function observedGenerationOf(pod: Pod): { readonly observedGeneration?: number } {
  const generation = pod.metadata?.generation
  return generation ? { observedGeneration: generation } : {}
}

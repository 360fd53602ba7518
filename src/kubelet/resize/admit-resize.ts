/**
 * Whether a pod's resize can be allocated now (upstream's canResizePod, Kubernetes 1.35):
 * Infeasible when it never could (a static pod; requests above the node's allocatable), Deferred
 * when the node cannot take it beside the pods already admitted (the admission a new pod gets,
 * whose message it reports), else it fits.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { MIRROR_ANNOTATION } from "../../api/index.ts"
import { admitPod } from "../admission/admit.ts"
import { nodeAllocatable, podRequests } from "../admission/requests.ts"

/** The reasons of a resize not allocated (v1.PodReasonInfeasible, v1.PodReasonDeferred). */
export type PendingReason = "Infeasible" | "Deferred"

/** Whether a resize fits; why not when it does not. */
export type ResizeVerdict =
  { readonly fit: true } | { readonly fit: false; readonly reason: PendingReason; readonly message: string }

/** What resize admission looks at. */
export interface ResizeInput {
  /** The pod as its spec asks (the resources wanted). */
  readonly pod: Pod
  /** The node as last seen; undefined when the kubelet cannot read it. */
  readonly node: Node | undefined
  /** The other pods admitted and not finished, as allocated. */
  readonly others: readonly Pod[]
  /** The pod was started already (its admission skips node affinity and taints, as for a new pod's). */
  readonly alreadyStarted?: boolean
  /** The node's operating system as Go names it (default from this process). */
  readonly os?: string
}

/** Decides whether the pod's resize can be allocated now. */
export function admitResize(input: ResizeInput): ResizeVerdict {
  const { pod, node } = input
  if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined)
    return { fit: false, reason: "Infeasible", message: "In-place resize of static-pods is not supported" }
  if (node) {
    const have = nodeAllocatable(node)
    const want = podRequests(pod)
    const cpu = want.get("cpu") ?? 0
    const memory = want.get("memory") ?? 0
    const cpuCapacity = have.get("cpu") ?? 0
    const memoryCapacity = have.get("memory") ?? 0
    // Memory is named first when both are over, as upstream's message does.
    if (memory > memoryCapacity || cpu > cpuCapacity) {
      const what =
        memory > memoryCapacity
          ? `memory, requested: ${memory}, capacity: ${memoryCapacity}`
          : `cpu, requested: ${cpu}, capacity: ${cpuCapacity}`
      return { fit: false, reason: "Infeasible", message: `Node didn't have enough capacity: ${what}` }
    }
  }
  const admitted = admitPod({
    pod,
    node,
    others: input.others,
    ...(input.alreadyStarted ? { alreadyStarted: true } : {}),
    ...(input.os ? { os: input.os } : {}),
  })
  return admitted.admit ? { fit: true } : { fit: false, reason: "Deferred", message: admitted.message }
}

/**
 * What a kubelet writes for a pod its admission refused (upstream's rejectPod): phase Failed,
 * the admission's reason, `Pod was rejected: <message>`, the QoS class and a start time. The
 * real kubelet and the hollow one write the same.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { observedGenerationOf, podQos, type TrackedPodStatus } from "../../api/index.ts"
import { rfc3339 } from "../../util/index.ts"

/** Why admission refused a pod. */
export interface Rejection {
  readonly reason: string
  readonly message: string
}

/** The status patch of a rejected pod (merge it into the pod's status). */
export function rejectedStatus(pod: Pod, verdict: Rejection, now: number): TrackedPodStatus {
  return {
    // The generation refused (KEP-5067).
    ...observedGenerationOf(pod),
    phase: "Failed",
    reason: verdict.reason,
    message: `Pod was rejected: ${verdict.message}`,
    qosClass: podQos(pod),
    startTime: pod.status?.startTime ?? rfc3339(now),
  }
}

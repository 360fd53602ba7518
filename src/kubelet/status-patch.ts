/**
 * The kubelet's write of a pod's status: a strategic merge patch of pods/status, as upstream's
 * status manager sends one. Conditions are a list merged by type, so only the conditions the
 * kubelet owns are sent: a condition another client owns (a readiness gate, DisruptionTarget) is
 * left as the API has it, never overwritten with the kubelet's copy of it, which may lag a change
 * made meanwhile. The real kubelet and the hollow one write the same.
 */
import type { PodCondition, PodStatus } from "kubernetes-types/core/v1.js"
import { isOwnedByKubelet } from "./pod-status.ts"

/** The content type of the patch. */
export const STATUS_PATCH_TYPE = "application/strategic-merge-patch+json"

/** A patch list element that makes the list replace the API's instead of merging into it. */
const REPLACE = { $patch: "replace" }

/**
 * The kubelet's conditions that come and go (the resize ones): one the status lacks is deleted,
 * as upstream's patch, computed from the API's status, deletes a condition that went.
 */
const TRANSIENT = ["PodResizePending", "PodResizeInProgress"]

/** The fields of a condition besides its type and status. */
const CONDITION_FIELDS = ["observedGeneration", "lastProbeTime", "lastTransitionTime", "reason", "message"]

/**
 * `c` as a patch of the API's condition of its type, which it merges into: a field `c` lacks is
 * sent null, so the API's (a reason the condition had while False) goes.
 */
function conditionPatch(c: PodCondition): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...c }
  for (const f of CONDITION_FIELDS) if (!(f in c)) patch[f] = null
  return patch
}

/**
 * The patch writing `status` to the pod with uid `uid` (the write's precondition, so a new pod of
 * that name is not written): every field of `status` but the conditions others own. The order of
 * all its conditions (others' first) goes as `$setElementOrder/conditions`, as upstream's patch
 * computed from the API's status to the kubelet's gives it. Pod and host IPs, lists merged by ip
 * too, replace the API's whole, so an address the pod no longer has goes; each condition sent
 * replaces the API's of its type (as the patch upstream computes, which sets null what went), and
 * a resize condition it lacks is deleted.
 */
export function statusPatch(uid: string, status: PodStatus): { metadata: { uid: string }; status: object } {
  const { conditions, podIPs, hostIPs, ...rest } = status
  return {
    metadata: { uid },
    status: {
      ...rest,
      ...(conditions
        ? {
            "$setElementOrder/conditions": conditions.map(({ type }) => ({ type })),
            conditions: [
              ...conditions.filter((c) => isOwnedByKubelet(c.type)).map(conditionPatch),
              ...TRANSIENT.filter((t) => !conditions.some((c) => c.type === t)).map((type) => ({
                type,
                $patch: "delete",
              })),
            ],
          }
        : {}),
      ...(podIPs ? { podIPs: [...podIPs, REPLACE] } : {}),
      ...(hostIPs ? { hostIPs: [...hostIPs, REPLACE] } : {}),
    },
  }
}

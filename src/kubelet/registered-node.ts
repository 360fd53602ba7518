/**
 * What a kubelet, real or hollow, reconciles on a Node registered before: the controller-managed
 * attach/detach annotation and the default labels (upstream's tryRegisterWithAPIServer).
 */
import type { Node } from "kubernetes-types/core/v1.js"

/**
 * The annotation by which a kubelet leaves attaching and detaching its volumes to the
 * attach/detach controller (upstream's --enable-controller-attach-detach, on by default).
 */
export const CONTROLLER_MANAGED_ATTACH_DETACH = "volumes.kubernetes.io/controller-managed-attach-detach"

/** The labels a kubelet puts back on its registered Node (upstream's updateDefaultLabels). */
const DEFAULT_LABELS = [
  "kubernetes.io/hostname",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "node.kubernetes.io/instance-type",
  "beta.kubernetes.io/instance-type",
  "kubernetes.io/os",
  "kubernetes.io/arch",
  "node.kubernetes.io/windows-build",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
]

/**
 * The merge patch that reconciles a Node registered before with the one the kubelet built, as
 * upstream's tryRegisterWithAPIServer does: the controller-managed attach/detach annotation as
 * built (removed when not built), and the default labels the built Node has (an empty one
 * removed). Undefined when nothing differs.
 */
export function registeredNodePatch(built: Node, existing: Node): { metadata: object } | undefined {
  const annotations: Record<string, string | null> = {}
  const want = built.metadata?.annotations?.[CONTROLLER_MANAGED_ATTACH_DETACH]
  const have = existing.metadata?.annotations?.[CONTROLLER_MANAGED_ATTACH_DETACH]
  if (want !== have) annotations[CONTROLLER_MANAGED_ATTACH_DETACH] = want ?? null
  const labels: Record<string, string | null> = {}
  for (const key of DEFAULT_LABELS) {
    const value = built.metadata?.labels?.[key]
    if (value === undefined || existing.metadata?.labels?.[key] === value) continue
    labels[key] = value === "" ? null : value
  }
  const metadata = {
    ...(Object.keys(annotations).length ? { annotations } : {}),
    ...(Object.keys(labels).length ? { labels } : {}),
  }
  return Object.keys(metadata).length ? { metadata } : undefined
}

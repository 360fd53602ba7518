/**
 * What every node may do beyond what the Node authorizer decides per object (upstream's
 * bootstrappolicy.NodeRules): the Node authorizer's static rules, and the rules of the
 * `system:node` ClusterRole. The NodeRestriction admission plugin narrows the writes to the
 * node's own objects.
 */
import type { PolicyRule } from "kubernetes-types/rbac/v1.js"

const READ = ["get", "list", "watch"]

/** A rule with its lists sorted, as upstream's rule builder makes it. */
function rule(verbs: string[], apiGroups: string[], resources: string[]): PolicyRule {
  return { verbs: [...verbs].sort(), apiGroups: [...apiGroups].sort(), resources: [...resources].sort() }
}

/** The node rules of upstream v1.35 with its default feature gates (DynamicResourceAllocation on). */
export const NODE_RULES: readonly PolicyRule[] = [
  // Delegated authentication and authorization checks (non-mutating creates).
  rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
  rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"]),
  // Services for pods' environment variables.
  rule(READ, [""], ["services"]),
  rule(["create", "get", "list", "watch"], [""], ["nodes"]),
  rule(["update", "patch"], [""], ["nodes/status"]),
  rule(["update", "patch"], [""], ["nodes"]),
  rule(["create", "update", "patch"], [""], ["events"]),
  rule(READ, [""], ["pods"]),
  // Mirror pods, pod status and evictions: NodeRestriction keeps them to the node's own pods.
  rule(["create", "delete"], [""], ["pods"]),
  rule(["update", "patch"], [""], ["pods/status"]),
  rule(["create"], [""], ["pods/eviction"]),
  // The Node authorizer keeps these to the objects the node's pods reference.
  rule(READ, [""], ["secrets", "configmaps"]),
  rule(["get"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
  rule(["get"], [""], ["endpoints"]),
  rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
  rule(["get", "create", "update", "patch", "delete"], ["coordination.k8s.io"], ["leases"]),
  rule(["get"], ["storage.k8s.io"], ["volumeattachments"]),
  rule(["create"], [""], ["serviceaccounts/token"]),
  // Image credential providers' service accounts (KubeletServiceAccountTokenForCredentialProviders).
  rule(["get"], [""], ["serviceaccounts"]),
  rule(["get", "update", "patch"], [""], ["persistentvolumeclaims/status"]),
  rule(["get", "watch", "list"], ["storage.k8s.io"], ["csidrivers"]),
  rule(["get", "create", "update", "patch", "delete"], ["storage.k8s.io"], ["csinodes"]),
  rule(READ, ["node.k8s.io"], ["runtimeclasses"]),
  rule(["get"], ["resource.k8s.io"], ["resourceclaims"]),
  rule(
    [...READ, "create", "update", "patch", "delete", "deletecollection"],
    ["resource.k8s.io"],
    ["resourceslices"],
  ),
]

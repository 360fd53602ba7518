/**
 * The Node authorizer (upstream's plugin/pkg/auth/authorizer/node, --authorization-mode=Node):
 * decides the requests of kubelets (users `system:node:<name>` in `system:nodes`) and has no
 * opinion about anyone else's. A node reads the secrets, config maps, claims, volumes, resource
 * claims, attachments and service accounts only of the pods bound to it, creates tokens only for
 * those accounts, reads its own Node, Lease and CSINode, lists only its own pods and slices;
 * anything else is decided by the static node rules. What it leaves to NodeRestriction (writes
 * of its Node, pods, slices) it allows here, as upstream.
 */
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer, RuleResolver } from "../authz.ts"
import { rulesAllow } from "../rbac/index.ts"
import { parseFieldSelector } from "../selectors.ts"
import type { NodeGraph, VertexType } from "./node-graph.ts"
import { nodeIdentity } from "./node-identity.ts"
import { NODE_RULES } from "./node-rules.ts"

const ALLOW: AuthorizationDecision = { decision: "Allow", reason: "" }
const NODE_LEASE_NAMESPACE = "kube-node-lease"

function noOpinion(reason = ""): AuthorizationDecision {
  return { decision: "NoOpinion", reason }
}

/** Whether the request's field selector holds `field=value` (a selector that does not parse holds nothing). */
function selects(a: AuthorizationAttributes, field: string, value: string): boolean {
  if (!a.fieldSelector) return false
  try {
    return parseFieldSelector(a.fieldSelector).some(
      (r) => r.field === field && r.op === "=" && r.value === value,
    )
  } catch {
    return false
  }
}

/** The decisions of one node's requests over `graph`. */
class NodeDecisions {
  readonly #graph: NodeGraph

  constructor(graph: NodeGraph) {
    this.#graph = graph
  }

  decide(node: string, a: AuthorizationAttributes): AuthorizationDecision {
    switch (`${a.apiGroup ?? ""}/${a.resource ?? ""}`) {
      case "/secrets":
        return this.#readNamespaced(node, "secret", a)
      case "/configmaps":
        return this.#readNamespaced(node, "configmap", a)
      case "/persistentvolumeclaims":
        return a.subresource === "status" ? this.#statusUpdate(node, "pvc", a) : this.#get(node, "pvc", a)
      case "/persistentvolumes":
        return this.#get(node, "pv", a)
      case "resource.k8s.io/resourceclaims":
        return this.#get(node, "resourceclaim", a)
      case "storage.k8s.io/volumeattachments":
        return this.#get(node, "volumeattachment", a)
      case "/serviceaccounts":
        // The kubelet reads the account of a pod for its image credential providers
        // (KubeletServiceAccountTokenForCredentialProviders, on by default since v1.34).
        if (a.verb === "get" && !a.subresource) return this.#readNamespaced(node, "serviceAccount", a)
        return this.#createToken(node, a)
      case "coordination.k8s.io/leases":
        return lease(node, a)
      case "storage.k8s.io/csinodes":
        return csiNode(node, a)
      case "resource.k8s.io/resourceslices":
        return this.#resourceSlice(node, a)
      case "/nodes":
        return nodeObject(node, a)
      case "/pods":
        return this.#pod(node, a)
    }
    // Nothing else is kept to the node's own objects: the static node rules decide.
    return rulesAllow(a, NODE_RULES) ? ALLOW : noOpinion()
  }

  #statusUpdate(node: string, type: VertexType, a: AuthorizationAttributes): AuthorizationDecision {
    if (a.verb !== "update" && a.verb !== "patch") return noOpinion("can only get/update/patch this type")
    return this.#related(node, type, a)
  }

  #get(node: string, type: VertexType, a: AuthorizationAttributes): AuthorizationDecision {
    if (a.verb !== "get") return noOpinion("can only get individual resources of this type")
    if (a.subresource) return noOpinion("cannot get subresource")
    return this.#related(node, type, a)
  }

  #readNamespaced(node: string, type: VertexType, a: AuthorizationAttributes): AuthorizationDecision {
    if (a.verb !== "get" && a.verb !== "list" && a.verb !== "watch")
      return noOpinion("can only read resources of this type")
    if (a.subresource) return noOpinion("cannot read subresource")
    if (!a.namespace) return noOpinion("can only read namespaced object of this type")
    return this.#related(node, type, a)
  }

  #related(node: string, type: VertexType, a: AuthorizationAttributes): AuthorizationDecision {
    if (!a.name) return noOpinion("No Object name found")
    return this.#path(node, type, a)
  }

  #path(node: string, type: VertexType, a: AuthorizationAttributes): AuthorizationDecision {
    if (this.#graph.hasPathFrom(node, type, a.namespace ?? "", a.name ?? "")) return ALLOW
    return noOpinion(`no relationship found between node '${node}' and this object`)
  }

  #createToken(node: string, a: AuthorizationAttributes): AuthorizationDecision {
    if (a.verb !== "create" || !a.name)
      return noOpinion("can only create tokens for individual service accounts")
    if (a.subresource !== "token") return noOpinion("can only create token subresource of serviceaccount")
    return this.#path(node, "serviceAccount", a)
  }

  #resourceSlice(node: string, a: AuthorizationAttributes): AuthorizationDecision {
    if (a.subresource) return noOpinion("cannot authorize ResourceSlice subresources")
    switch (a.verb) {
      case "create":
        return ALLOW // NodeRestriction checks the new slice's nodeName
      case "get":
      case "update":
      case "patch":
      case "delete":
        return this.#related(node, "resourceslice", a)
      case "watch":
      case "list":
      case "deletecollection":
        // resource.k8s.io/v1's ResourceSliceSelectorNodeName (the alpha API's was "nodeName").
        return selects(a, "spec.nodeName", node)
          ? ALLOW
          : noOpinion("can only list/watch/deletecollection resourceslices with nodeName field selector")
    }
    return noOpinion(
      "only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection",
    )
  }

  #pod(node: string, a: AuthorizationAttributes): AuthorizationDecision {
    switch (a.subresource ?? "") {
      case "":
        if (a.verb === "get") return this.#get(node, "pod", a)
        if (a.verb === "list" || a.verb === "watch") {
          if (selects(a, "spec.nodeName", node)) return ALLOW
          if (a.name) return this.#path(node, "pod", a)
          return noOpinion("can only list/watch pods with spec.nodeName field selector")
        }
        // Mirror pods; NodeRestriction keeps them to the node's own.
        if (a.verb === "create" || a.verb === "delete") return ALLOW
        break
      case "status":
        if (a.verb === "update" || a.verb === "patch") return ALLOW
        break
      case "eviction":
        if (a.verb === "create") return ALLOW
        break
    }
    return noOpinion()
  }
}

/** A node's own Lease in kube-node-lease (a create's name is NodeRestriction's to check). */
function lease(node: string, a: AuthorizationAttributes): AuthorizationDecision {
  if (!["get", "create", "update", "patch", "delete"].includes(a.verb))
    return noOpinion("can only get, create, update, patch, or delete a node lease")
  if (a.namespace !== NODE_LEASE_NAMESPACE)
    return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`)
  if (a.verb !== "create" && a.name !== node)
    return noOpinion("can only access node lease with the same name as the requesting node")
  return ALLOW
}

/** A node's own CSINode (a create's name is NodeRestriction's to check). */
function csiNode(node: string, a: AuthorizationAttributes): AuthorizationDecision {
  if (!["get", "create", "update", "patch", "delete"].includes(a.verb))
    return noOpinion("can only get, create, update, patch, or delete a CSINode")
  if (a.subresource) return noOpinion("cannot authorize CSINode subresources")
  if (a.verb !== "create" && a.name !== node)
    return noOpinion("can only access CSINode with the same name as the requesting node")
  return ALLOW
}

/** A node's own Node: read by name (before it exists too); writes are NodeRestriction's to check. */
function nodeObject(node: string, a: AuthorizationAttributes): AuthorizationDecision {
  const sub = a.subresource ?? ""
  if (sub === "" && ["create", "update", "patch"].includes(a.verb)) return ALLOW
  if (sub === "" && ["get", "list", "watch"].includes(a.verb)) {
    if (a.name === node) return ALLOW
    if (!a.name) return noOpinion(`node '${node}' cannot read all nodes, only its own Node object`)
    return noOpinion(`node '${node}' cannot read '${a.name}', only its own Node object`)
  }
  if (sub === "status" && (a.verb === "update" || a.verb === "patch")) return ALLOW
  return noOpinion()
}

/** The Node authorizer over `graph`, and its rule resolver (which cannot list a node's rules). */
export function nodeAuthorizer(graph: NodeGraph): { authorize: Authorizer; rulesFor: RuleResolver } {
  const decisions = new NodeDecisions(graph)
  const authorize: Authorizer = (a) => {
    const node = nodeIdentity(a.user)
    if (node === undefined) return noOpinion()
    if (!node) return noOpinion(`unknown node for user "${a.user.name}"`)
    if (!a.resourceRequest) return rulesAllow(a, NODE_RULES) ? ALLOW : noOpinion()
    return decisions.decide(node, a)
  }
  const rulesFor: RuleResolver = (user) =>
    nodeIdentity(user) === undefined
      ? { resourceRules: [], nonResourceRules: [], incomplete: false }
      : {
          resourceRules: [],
          nonResourceRules: [],
          incomplete: true,
          evaluationError: "node authorizer does not support user rule resolution",
        }
  return { authorize, rulesFor }
}

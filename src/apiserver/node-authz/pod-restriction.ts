/**
 * NodeRestriction's checks of pods (upstream's admitPod, admitPodCreate, admitPodStatus and
 * admitPodEviction): a node creates only mirror pods of itself that reference nothing, deletes,
 * evicts and updates the status only of pods bound to it.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { notFound } from "../../api/index.ts"
import { goQuote } from "../../util/index.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import {
  podConfigMapNames,
  podSecretNames,
  sameExtendedResourceClaimStatus,
  sameResourceClaimStatuses,
} from "./references.ts"
import type { AudienceLookups } from "./token-audience.ts"

/**
 * What NodeRestriction reads (upstream's pod, node, claim, volume and CSIDriver listers: the
 * watch cache) and the authorizer it asks about token audiences.
 */
export interface NodeRestrictionLookups extends AudienceLookups {
  pod(namespace: string, name: string): Pod | undefined
  node(name: string): Node | undefined
}

/** Why a node's write is refused: the message of its 403, or the error to answer with. */
export type Refusal = string | Error | undefined

const MIRROR_POD = "kubernetes.io/config.mirror"

function sameLabels(a: Pod | undefined, b: Pod | undefined): boolean {
  const x = a?.metadata?.labels ?? {}
  const y = b?.metadata?.labels ?? {}
  const keys = Object.keys(x)
  return keys.length === Object.keys(y).length && keys.every((k) => y[k] === x[k])
}

/** A mirror pod's owner must be its Node, as a controller that does not block deletion. */
function ownerRefusal(node: string, pod: Pod, lookups: NodeRestrictionLookups): Refusal {
  const q = goQuote(node)
  const owners = pod.metadata?.ownerReferences ?? []
  if (owners.length > 1) return `node ${q} can only create pods with a single owner reference set to itself`
  const owner = owners[0]
  if (!owner) return `node ${q} can only create pods with an owner reference set to itself`
  if (owner.apiVersion !== "v1" || owner.kind !== "Node" || owner.name !== node)
    return `node ${q} can only create pods with an owner reference set to itself`
  if (owner.controller !== true)
    return `node ${q} can only create pods with a controller owner reference set to itself`
  if (owner.blockOwnerDeletion === true)
    return `node ${q} must not set blockOwnerDeletion on an owner reference`
  const n = lookups.node(node)
  if (!n) return notFound({ resource: "node" }, node)
  if (owner.uid !== n.metadata?.uid)
    return `node ${node} UID mismatch: expected ${owner.uid} got ${n.metadata?.uid ?? ""}`
  return undefined
}

/** A mirror pod must reference no other object: the node would get to read it. */
function referenceRefusal(node: string, pod: Pod): Refusal {
  const q = goQuote(node)
  if (pod.spec?.serviceAccountName) return `node ${q} can not create pods that reference a service account`
  if (podSecretNames(pod).size) return `node ${q} can not create pods that reference secrets`
  if (podConfigMapNames(pod).size) return `node ${q} can not create pods that reference configmaps`
  const volumes = pod.spec?.volumes ?? []
  const trustBundle = (s: object) => !!(s as { clusterTrustBundle?: unknown }).clusterTrustBundle
  if (volumes.some((v) => (v.projected?.sources ?? []).some(trustBundle)))
    return `node ${q} can not create pods that reference clustertrustbundles`
  if (volumes.some((v) => v.persistentVolumeClaim))
    return `node ${q} can not create pods that reference persistentvolumeclaims`
  return undefined
}

function createMirror(node: string, req: AdmissionRequest, lookups: NodeRestrictionLookups): Refusal {
  const pod = req.object as Pod
  if (pod.metadata?.annotations?.[MIRROR_POD] === undefined)
    return `pod does not have ${goQuote(MIRROR_POD)} annotation, node ${goQuote(node)} can only create mirror pods`
  if (pod.spec?.nodeName !== node)
    return `node ${goQuote(node)} can only create pods with spec.nodeName set to itself`
  return ownerRefusal(node, pod, lookups) ?? referenceRefusal(node, pod)
}

function status(node: string, req: AdmissionRequest): Refusal {
  if (req.operation !== "UPDATE") return `unexpected operation ${goQuote(req.operation)}`
  const old = req.old as Pod | undefined
  const pod = req.object as Pod | undefined
  if (old?.spec?.nodeName !== node)
    return `node ${goQuote(node)} can only update pod status for pods with spec.nodeName set to itself`
  if (!sameLabels(old, pod)) return `node ${goQuote(node)} cannot update labels through pod status`
  if (!pod || !sameResourceClaimStatuses(old, pod))
    return `node ${goQuote(node)} cannot update resource claim statues`
  // The node graph grants the claim it names: a node must not pick it.
  if (!sameExtendedResourceClaimStatus(old, pod))
    return `node ${goQuote(node)} cannot update extended resource claim status`
  return undefined
}

function eviction(node: string, req: AdmissionRequest, lookups: NodeRestrictionLookups): Refusal {
  if (req.operation !== "CREATE") return `unexpected operation ${req.operation}`
  // The pod of the URL, else the one the Eviction names.
  const name = req.name || req.object?.metadata?.name || ""
  if (!name) return "could not determine pod from request data"
  const pod = lookups.pod(req.namespace, name)
  if (!pod) return notFound({ resource: "pod" }, name)
  if (pod.spec?.nodeName !== node) return `node ${node} can only evict pods with spec.nodeName set to itself`
  return undefined
}

/** The checks of a node's pod writes, over `lookups`. */
export function podRestriction(
  lookups: NodeRestrictionLookups,
): (node: string, req: AdmissionRequest) => Refusal {
  return (node, req) => {
    switch (req.subresource) {
      case "":
        if (req.operation === "CREATE") return createMirror(node, req, lookups)
        if (req.operation === "DELETE") {
          const pod = req.old as Pod | undefined
          if (!pod) return notFound({ resource: "pod" }, req.name)
          if (pod.spec?.nodeName !== node)
            return `node ${goQuote(node)} can only delete pods with spec.nodeName set to itself`
          return undefined
        }
        return `unexpected operation ${goQuote(req.operation)}, node ${goQuote(node)} can only create and delete mirror pods`
      case "status":
        return status(node, req)
      case "eviction":
        return eviction(node, req, lookups)
    }
    return `unexpected pod subresource ${goQuote(req.subresource)}, only 'status' and 'eviction' are allowed`
  }
}

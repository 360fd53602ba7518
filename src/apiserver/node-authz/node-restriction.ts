/**
 * NodeRestriction admission (upstream's plugin/pkg/admission/noderestriction), on with the Node
 * authorization mode: what the Node authorizer allows every node to write, a node may write
 * only for itself. It creates only mirror pods bound to itself and owned by its Node, deletes,
 * evicts and updates the status only of its own pods, writes only its own Node (not its taints
 * nor labels beyond the kubelet's), its own Lease, CSINode and ResourceSlices, PVC status only,
 * tokens only bound to its pods and for an audience they use (token-audience.ts), and node CSRs
 * only with its own name. It admits in the mutating phase, as upstream's (an Admit); other
 * users' writes pass untouched.
 */
import "reflect-metadata"
import * as x509 from "@peculiar/x509"
import type { CertificateSigningRequest } from "kubernetes-types/certificates/v1.js"
import type { Node } from "kubernetes-types/core/v1.js"
import { type ApiObject, notFound } from "../../api/index.ts"
import { goQuote } from "../../util/index.ts"
import { type AdmissionPlugin, admissionForbidden } from "../admission.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { forbiddenLabels, modifiedLabels } from "./node-labels.ts"
import { nodeIdentity } from "./node-identity.ts"
import { semanticEqual } from "../semantic-equal.ts"
import { type NodeRestrictionLookups, podRestriction, type Refusal } from "./pod-restriction.ts"
import { audienceRefusal } from "./token-audience.ts"

export type { NodeRestrictionLookups } from "./pod-restriction.ts"

const NODE_LEASE_NAMESPACE = "kube-node-lease"
const KUBELET_SIGNERS = ["kubernetes.io/kubelet-serving", "kubernetes.io/kube-apiserver-client-kubelet"]

/** The NodeRestriction plugin; see the module comment. */
export function nodeRestriction(lookups: NodeRestrictionLookups): AdmissionPlugin {
  const pods = podRestriction(lookups)
  const check = (node: string, req: AdmissionRequest): Refusal | Promise<Refusal> => {
    switch (`${req.info.group}/${req.info.resource}`) {
      case "/pods":
        return pods(node, req)
      case "/nodes":
        return admitNode(node, req)
      case "/persistentvolumeclaims":
        return req.subresource === "status" ? admitPvcStatus(node, req) : "may only update PVC status"
      case "/serviceaccounts":
        return admitServiceAccount(node, req, lookups)
      case "coordination.k8s.io/leases":
        return admitLease(node, req)
      case "storage.k8s.io/csinodes":
        return admitCsiNode(node, req)
      case "resource.k8s.io/resourceslices":
        return admitResourceSlice(node, req)
      case "certificates.k8s.io/certificatesigningrequests":
        return admitCsr(node, req)
    }
    return undefined
  }
  return {
    name: "NodeRestriction",
    mutate(req) {
      if (req.operation === "CONNECT") return
      const node = nodeIdentity(req.user)
      if (node === undefined) return // only nodes are restricted
      const refusal = node
        ? check(node, req)
        : `could not determine node from user ${goQuote(req.user?.name ?? "")}`
      // Only the token audience check waits (on the authorizer); the rest decide at once.
      if (refusal instanceof Promise) return refusal.then((r) => refuse(req, r))
      refuse(req, refusal)
    },
  }
}

function refuse(req: AdmissionRequest, refusal: Refusal): void {
  if (refusal instanceof Error) throw refusal
  if (refusal !== undefined) throw admissionForbidden(req, refusal)
}

function admitNode(node: string, req: AdmissionRequest): Refusal {
  if (req.name !== node) return `node ${goQuote(node)} is not allowed to modify node ${goQuote(req.name)}`
  const obj = req.object as Node | undefined
  const configSource = (n: Node | undefined) =>
    (n?.spec as { configSource?: unknown } | undefined)?.configSource
  if (req.operation === "CREATE") {
    if (configSource(obj))
      return `node ${goQuote(node)} is not allowed to create pods with a non-nil configSource`
    const forbidden = forbiddenLabels(modifiedLabels(obj?.metadata?.labels, undefined))
    if (forbidden.length)
      return `node ${goQuote(node)} is not allowed to set the following labels: ${forbidden.join(", ")}`
  }
  if (req.operation === "UPDATE") {
    const old = req.old as Node | undefined
    if (configSource(obj) && !semanticEqual(configSource(obj), configSource(old)))
      return `node ${goQuote(node)} is not allowed to update configSource to a new non-nil configSource`
    if (!semanticEqual(obj?.spec?.taints, old?.spec?.taints))
      return `node ${goQuote(node)} is not allowed to modify taints`
    const forbidden = forbiddenLabels(modifiedLabels(obj?.metadata?.labels, old?.metadata?.labels))
    if (forbidden.length) return `is not allowed to modify labels: ${forbidden.join(", ")}`
  }
  return undefined
}

/** A PVC with what a node may change in its status (and the write's own metadata) left out. */
function pvcWithoutNodeFields(obj: ApiObject | undefined): unknown {
  const o = structuredClone(obj ?? {}) as ApiObject & { status?: Record<string, unknown> }
  if (o.metadata) {
    delete o.metadata.resourceVersion
    delete o.metadata.managedFields
  }
  if (o.status) {
    // RecoverVolumeExpansionFailure is on: the allocated resources are the kubelet's too.
    for (const f of ["capacity", "conditions", "allocatedResourceStatuses", "allocatedResources"])
      delete o.status[f]
  }
  return o
}

function admitPvcStatus(node: string, req: AdmissionRequest): Refusal {
  if (req.operation !== "UPDATE") return `unexpected operation ${goQuote(req.operation)}`
  const old = pvcWithoutNodeFields(req.old)
  const next = pvcWithoutNodeFields(req.object)
  if (!semanticEqual(old, next))
    return `node ${goQuote(node)} is not allowed to update fields other than status.quantity and status.conditions: ${JSON.stringify(old)} != ${JSON.stringify(next)}`
  return undefined
}

interface TokenRequestLike {
  readonly spec?: {
    readonly audiences?: readonly string[]
    readonly boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string }
  }
}

function admitServiceAccount(
  node: string,
  req: AdmissionRequest,
  lookups: NodeRestrictionLookups,
): Refusal | Promise<Refusal> {
  if (req.operation !== "CREATE" || req.subresource !== "token") return undefined
  const spec = (req.object as TokenRequestLike | undefined)?.spec
  const ref = spec?.boundObjectRef
  if (!ref || ref.apiVersion !== "v1" || ref.kind !== "Pod" || !ref.name)
    return "node requested token not bound to a pod"
  if (!ref.uid) return "node requested token with a pod binding without a uid"
  const pod = lookups.pod(req.namespace, ref.name)
  if (!pod) return notFound({ resource: "pod" }, ref.name)
  if (ref.uid !== pod.metadata?.uid)
    return `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`
  if (pod.spec?.nodeName !== node) return "node requested token bound to a pod scheduled on a different node"
  return audienceRefusal(req, { pod, audiences: spec?.audiences ?? [], lookups })
}

function admitLease(node: string, req: AdmissionRequest): Refusal {
  if (req.namespace !== NODE_LEASE_NAMESPACE)
    return `can only access leases in the ${goQuote(NODE_LEASE_NAMESPACE)} system namespace`
  const name = req.operation === "CREATE" ? (req.object?.metadata?.name ?? "") : req.name
  if (name !== node) return "can only access node lease with the same name as the requesting node"
  return undefined
}

function admitCsiNode(node: string, req: AdmissionRequest): Refusal {
  const name = req.operation === "CREATE" ? (req.object?.metadata?.name ?? "") : req.name
  if (name !== node) return "can only access CSINode with the same name as the requesting node"
  return undefined
}

function sliceNode(obj: ApiObject | undefined): string {
  return ((obj as { spec?: { nodeName?: string } } | undefined)?.spec?.nodeName ?? "") as string
}

function admitResourceSlice(node: string, req: AdmissionRequest): Refusal {
  if (req.operation === "CREATE" && sliceNode(req.object) !== node)
    return "can only create ResourceSlice with the same NodeName as the requesting node"
  if (req.operation === "DELETE" && sliceNode(req.old) !== node)
    return "can only delete ResourceSlice with the same NodeName as the requesting node"
  return undefined
}

function admitCsr(node: string, req: AdmissionRequest): Refusal {
  if (req.operation !== "CREATE") return undefined
  const spec = (req.object as CertificateSigningRequest | undefined)?.spec
  if (!spec || !KUBELET_SIGNERS.includes(spec.signerName)) return undefined
  let cn: string | undefined
  try {
    const pem = Buffer.from(spec.request, "base64").toString("latin1")
    cn = new x509.Pkcs10CertificateRequest(pem).subjectName.getField("CN")[0]
  } catch (err) {
    return `unable to parse csr: ${(err as Error).message}`
  }
  if (cn !== `system:node:${node}`) return `can only create a node CSR with CN=system:node:${node}`
  return undefined
}

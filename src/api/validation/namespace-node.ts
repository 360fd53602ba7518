/**
 * Namespaces and Nodes (core validation): namespace names are DNS labels with valid spec
 * finalizers and a phase matching their deletion; nodes keep podCIDRs and providerID once
 * set, have valid taints and quantities, and no duplicate addresses.
 */
import type { Namespace, Node } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue } from "../field-errors.ts"
import { deepEqual, entries, index, internalError, list } from "./_field.ts"
import { validateLabelName } from "./labels.ts"
import { isValidCidr } from "./net.ts"
import { nameIsDnsLabel, nameIsDnsSubdomain } from "./names.ts"
import { validateKubeFinalizerName, validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validateResourceQuantity } from "./resources.ts"
import { validateTaints } from "./scheduling.ts"

/** A Namespace on create, or on update when `old` is given. */
export function validateNamespace(ns: Namespace, old?: Namespace): FieldError[] {
  if (old) {
    const errs = validateObjectMetaUpdate(ns.metadata, old.metadata)
    const phase = ns.status?.phase ?? ""
    if (phase !== (old.status?.phase ?? "")) {
      if (!ns.metadata?.deletionTimestamp && phase !== "Active") {
        errs.push(invalidValue("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty"))
      } else if (ns.metadata?.deletionTimestamp && phase !== "Terminating") {
        errs.push(
          invalidValue(
            "status.Phase",
            phase,
            "may only be 'Terminating' if `deletionTimestamp` is not empty",
          ),
        )
      }
    }
    list(ns.spec?.finalizers).forEach((f, i) =>
      errs.push(...validateSpecFinalizer(f, index("spec.finalizers", i))),
    )
    return errs
  }
  const errs = validateObjectMeta(ns.metadata, { namespaced: false, name: nameIsDnsLabel })
  for (const f of list(ns.spec?.finalizers)) errs.push(...validateSpecFinalizer(f, "spec.finalizers"))
  return errs
}

function validateSpecFinalizer(name: string, field: string): FieldError[] {
  return [...validateLabelName(name, field), ...validateKubeFinalizerName(name, field)]
}

function validateNodeResources(node: Node): FieldError[] {
  const errs: FieldError[] = []
  for (const k of ["capacity", "allocatable"] as const) {
    for (const [name, q] of entries(node.status?.[k]))
      errs.push(...validateResourceQuantity(name, q, `status.${k}.${name}`))
  }
  return errs
}

function validatePodCidrs(cidrs: readonly string[]): FieldError[] {
  const fld = "spec.podCIDRs"
  const errs: FieldError[] = []
  cidrs.forEach((c, i) => errs.push(...isValidCidr(c, index(fld, i))))
  if (cidrs.length > 1) {
    if (errs.length)
      errs.push(
        internalError(fld, "invalid PodCIDRs. failed to check with dual stack with error:not a valid CIDR"),
      )
    else if (cidrs.length > 2 || cidrs[0]?.includes(":") === cidrs[1]?.includes(":")) {
      errs.push(invalidValue(fld, cidrs, "may specify no more than one CIDR for each IP family"))
    }
    const seen = new Set<string>()
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(index(fld, i), c))
      seen.add(c)
    })
  }
  return errs
}

/** A Node on create, or on update when `old` is given. Taint paths sit under metadata, as upstream's do. */
export function validateNode(node: Node, old?: Node): FieldError[] {
  if (!old) {
    const errs = validateObjectMeta(node.metadata, { namespaced: false, name: nameIsDnsSubdomain })
    errs.push(...validateTaints(node.spec?.taints, "metadata.taints"))
    errs.push(...validateNodeResources(node))
    errs.push(...validatePodCidrs(list(node.spec?.podCIDRs)))
    return errs
  }
  const errs = validateObjectMetaUpdate(node.metadata, old.metadata)
  errs.push(...validateNodeResources(node))
  const seen: unknown[] = []
  list(node.status?.addresses).forEach((a, i) => {
    if (seen.some((s) => deepEqual(s, a))) errs.push(duplicate(index("status.addresses", i), a))
    seen.push(a)
  })
  const oldCidrs = list(old.spec?.podCIDRs)
  const cidrs = list(node.spec?.podCIDRs)
  const cidrMsg = 'node updates may not change podCIDR except from "" to valid'
  if (oldCidrs.length) {
    if (oldCidrs.length !== cidrs.length) errs.push(forbidden("spec.podCIDRs", cidrMsg))
    else oldCidrs.forEach((c, i) => c !== cidrs[i] && errs.push(forbidden("spec.podCIDRs", cidrMsg)))
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(forbidden("spec.providerID", 'node updates may not change providerID except from "" to valid'))
  }
  errs.push(...validateTaints(node.spec?.taints, "metadata.taints"))
  if ((node.spec?.externalID ?? "") !== (old.spec?.externalID ?? ""))
    errs.push(forbidden("spec.externalID", "may not be updated"))
  return errs
}

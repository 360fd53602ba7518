/**
 * Which kinds refuse an update (PUT) that names no resourceVersion: upstream's strategies whose
 * AllowUnconditionalUpdate is false (custom resources, CustomResourceDefinitions, APIServices,
 * Leases, ValidatingAdmissionPolicies and their bindings, their status too). Every other kind
 * takes such an update as "whatever is stored now". A PUT creating a missing object (a Lease's)
 * names none either: only the update of an existing one is refused.
 */
import { type FieldError, invalid, type ResourceInfo } from "../../api/index.ts"

const REFUSING = new Set([
  "apiextensions.k8s.io/CustomResourceDefinition",
  "apiregistration.k8s.io/APIService",
  "coordination.k8s.io/Lease",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
])

/** True when an update of this kind must name the resourceVersion it replaces. */
export function refusesUnconditionalUpdate(info: ResourceInfo): boolean {
  return !!info.custom || REFUSING.has(`${info.group}/${info.kind}`)
}

/**
 * The 422 of an update without a resourceVersion: upstream's store names the resource (not the
 * kind) and prints the missing version as the uint64 zero it parsed.
 */
export function resourceVersionRequired(info: ResourceInfo, name: string): Error {
  const err: FieldError = {
    type: "FieldValueInvalid",
    field: "metadata.resourceVersion",
    message: "Invalid value: 0x0: must be specified for an update",
  }
  return invalid(info.resource, name, [err], info.group || undefined)
}

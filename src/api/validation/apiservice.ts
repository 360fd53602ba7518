/**
 * APIServices (apiregistration.k8s.io/v1), as upstream's kube-aggregator validation: the name is
 * `<version>.<group>`, the priorities are in range, and a local APIService (no service) carries
 * no TLS settings while a service-backed one names its Service and a valid port.
 */
import type { APIService, APIServiceServiceReference, APIServiceSpec } from "../apiservice.ts"
import type { FieldError } from "../errors.ts"
import { invalidValue, notSupported, required } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { isValidPortNum } from "./formats.ts"
import { isDns1035Label, isDns1123Subdomain, isPathSegmentName } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

/** The condition statuses upstream accepts. */
const CONDITION_STATUSES = ["True", "False", "Unknown"] as const

/** The number of bytes a base64 caBundle holds. */
function caBundleBytes(caBundle: string | undefined): number {
  return caBundle ? Buffer.from(caBundle, "base64").length : 0
}

/** The group, version and priorities every APIService needs. */
function validateGroupVersion(spec: APIServiceSpec): FieldError[] {
  const group = spec.group ?? ""
  const version = spec.version ?? ""
  const errs: FieldError[] = []
  if (!group && version !== "v1")
    errs.push(required("spec.group", "only v1 may have an empty group and it better be legacy kube"))
  if (group) for (const m of isDns1123Subdomain(group)) errs.push(invalidValue("spec.group", group, m))
  for (const m of isDns1035Label(version)) errs.push(invalidValue("spec.version", version, m))
  const groupPriority = spec.groupPriorityMinimum ?? 0
  if (groupPriority <= 0 || groupPriority > 20000)
    errs.push(
      invalidValue("spec.groupPriorityMinimum", groupPriority, "must be positive and less than 20000"),
    )
  const versionPriority = spec.versionPriority ?? 0
  if (versionPriority <= 0 || versionPriority > 1000)
    errs.push(invalidValue("spec.versionPriority", versionPriority, "must be positive and less than 1000"))
  return errs
}

/** A local APIService: this server answers, so there is nothing to trust or skip. */
function validateLocal(caBytes: number, insecure: boolean): FieldError[] {
  const errs: FieldError[] = []
  if (caBytes !== 0)
    errs.push(invalidValue("spec.caBundle", `${caBytes} bytes`, "local APIServices may not have a caBundle"))
  if (insecure)
    errs.push(
      invalidValue(
        "spec.insecureSkipTLSVerify",
        insecure,
        "local APIServices may not have insecureSkipTLSVerify",
      ),
    )
  return errs
}

/** A service-backed APIService: the Service's namespace, name and port, and one way to trust it. */
function validateService(
  service: APIServiceServiceReference,
  caBytes: number,
  insecure: boolean,
): FieldError[] {
  const errs: FieldError[] = []
  if (!service.namespace) errs.push(required("spec.service.namespace", ""))
  if (!service.name) errs.push(required("spec.service.name", ""))
  // Defaulting gives every service a port; a write that bypassed it reads as Go's zero.
  const port = service.port ?? 0
  const portErrs = isValidPortNum(port)
  if (portErrs.length)
    errs.push(invalidValue("spec.service.port", port, `port is not valid: ${portErrs.join(", ")}`))
  if (insecure && caBytes > 0)
    errs.push(invalidValue("spec.insecureSkipTLSVerify", insecure, "may not be true if caBundle is present"))
  return errs
}

/** The spec checks every create and update gets (upstream's ValidateAPIService, less the name). */
function validateSpec(svc: APIService): FieldError[] {
  const spec = svc.spec ?? ({} as APIServiceSpec)
  const caBytes = caBundleBytes(spec.caBundle)
  const insecure = spec.insecureSkipTLSVerify ?? false
  return [
    ...validateGroupVersion(spec),
    ...(spec.service ? validateService(spec.service, caBytes, insecure) : validateLocal(caBytes, insecure)),
  ]
}

/**
 * The name rule: a path segment, and exactly `spec.version + "." + spec.group`. Upstream applies
 * it to generateName too, prefix or not.
 */
function nameRule(svc: APIService): (name: string) => string[] {
  const requiredName = `${svc.spec?.version ?? ""}.${svc.spec?.group ?? ""}`
  return (name) => {
    const failures = isPathSegmentName(name)
    if (failures.length) return failures
    return name === requiredName
      ? []
      : [`must be \`spec.version+"."+spec.group\`: ${JSON.stringify(requiredName)}`]
  }
}

/** An APIService on create, or on update of the main resource when `old` is given. */
export function validateAPIService(svc: APIService, old?: APIService): FieldError[] {
  const meta = old
    ? validateObjectMetaUpdate(svc.metadata, old.metadata)
    : validateObjectMeta(svc.metadata, { namespaced: false, name: nameRule(svc) })
  // Upstream's update validation runs the create checks again, the name rule included.
  if (old) meta.push(...validateObjectMeta(svc.metadata, { namespaced: false, name: nameRule(svc) }))
  return [...meta, ...validateSpec(svc)]
}

/** A write of an APIService's status: metadata that may not change, and known condition statuses. */
export function validateAPIServiceStatusUpdate(svc: APIService, old?: APIService): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old?.metadata)
  list(svc.status?.conditions).forEach((c, i) => {
    if (!(CONDITION_STATUSES as readonly string[]).includes(c.status))
      errs.push(notSupported(child(index("status.conditions", i), "status"), c.status, CONDITION_STATUSES))
  })
  return errs
}

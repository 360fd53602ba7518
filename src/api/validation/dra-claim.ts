/**
 * ResourceClaims and ResourceClaimTemplates (upstream's resource validation): named requests,
 * each `exactly` one device class request or a `firstAvailable` list of alternatives, with CEL
 * selectors, an allocation mode and count; constraints and configuration that name requests
 * (`request` or `request/alternative`); an immutable spec; admin access only in namespaces
 * labelled for it.
 */
import type { FieldError } from "../errors.ts"
import { invalidShown, invalidValue, notSupported, required } from "../field-errors.ts"
import {
  type DeviceClaim,
  type DeviceConstraint,
  type DeviceRequest,
  type DeviceRequestDetails,
  type ResourceClaim,
  type ResourceClaimSpec,
  type ResourceClaimTemplate,
} from "../dra.ts"
import { child, deepEqual, index } from "./_field.ts"
import {
  adminAccessAllowed,
  type DraContext,
  MAX_CONFIGS,
  MAX_REQUESTS,
  validateDeviceClassRef,
  validateDnsLabel,
  validateFullyQualifiedName,
  validateList,
  validateSet,
} from "./dra-common.ts"
import { validateDeviceConfiguration, validateDeviceTolerations, validateSelectors } from "./dra-parts.ts"
import { shownClaimSpec, shownTemplateSpec } from "./dra-shown.ts"
import { validateLabels } from "./labels.ts"
import { nameIsDnsSubdomain } from "./names.ts"
import { validateAnnotations, validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const MAX_ALTERNATIVES = 8
const MAX_CONSTRAINTS = 32
const REQUEST_REF =
  "must be the name of a request in the claim or the name of a request and a subrequest separated by '/'"
const ALLOCATION_MODES = ["All", "ExactCount"]

/** The request names of a claim, each with the names of its alternatives (if it has a list). */
export type RequestNames = ReadonlyMap<string, ReadonlySet<string> | undefined>

/** The names `request` and `request/alternative` may refer to. */
export function requestNamesOf(claim: DeviceClaim | undefined): RequestNames {
  const names = new Map<string, Set<string> | undefined>()
  for (const r of claim?.requests ?? []) {
    const subs = r.firstAvailable ?? []
    names.set(r.name ?? "", subs.length ? new Set(subs.map((s) => s.name ?? "")) : undefined)
  }
  return names
}

function hasRequest(names: RequestNames, ref: string): boolean {
  const parts = ref.split("/")
  if (parts.length > 2 || !names.has(parts[0] as string)) return false
  return parts.length === 1 || !!names.get(parts[0] as string)?.has(parts[1] as string)
}

/** A reference to a request (or one of its alternatives) of the claim. */
export function validateRequestRef(ref: string, field: string, names: RequestNames): FieldError[] {
  const parts = ref.split("/")
  if (parts.length > 2) return [invalidValue(field, ref, REQUEST_REF)]
  const errs = parts.flatMap((p) => validateDnsLabel(p, field))
  if (!hasRequest(names, ref)) errs.push(invalidValue(field, ref, REQUEST_REF))
  return errs
}

/** A list of request references: at most 32, no repeats. */
export function validateRequestRefs(
  refs: readonly string[] | undefined,
  field: string,
  names: RequestNames,
): FieldError[] {
  return validateSet(
    refs,
    MAX_REQUESTS,
    field,
    (r, p) => validateRequestRef(r, p, names),
    (r) => r,
  )
}

function validateAllocationMode(r: DeviceRequestDetails, field: string): FieldError[] {
  const count = r.count ?? 0
  switch (r.allocationMode) {
    case "All":
      return count !== 0
        ? [invalidValue(child(field, "count"), count, "must not be specified when allocationMode is 'All'")]
        : []
    case "ExactCount":
      return count <= 0 ? [invalidValue(child(field, "count"), count, "must be greater than zero")] : []
    default:
      return [notSupported(child(field, "allocationMode"), r.allocationMode ?? "", ALLOCATION_MODES)]
  }
}

function validateDetails(r: DeviceRequestDetails, field: string, ctx: DraContext): FieldError[] {
  return [
    ...validateDeviceClassRef(r.deviceClassName, child(field, "deviceClassName")),
    ...validateSelectors(r.selectors, child(field, "selectors"), ctx),
    ...validateAllocationMode(r, field),
    ...validateDeviceTolerations(r.tolerations, child(field, "tolerations")),
  ]
}

function validateRequest(r: DeviceRequest, field: string, ctx: DraContext): FieldError[] {
  const errs = validateDnsLabel(r.name ?? "", child(field, "name"))
  const alternatives = r.firstAvailable ?? []
  const kinds = Number(alternatives.length > 0) + Number(!!r.exactly)
  if (kinds === 0) errs.push(required(field, "exactly one of `exactly` or `firstAvailable` is required"))
  else if (kinds > 1)
    errs.push(
      invalidValue(
        field,
        null,
        "exactly one of `exactly` or `firstAvailable` is required, but multiple fields are set",
      ),
    )
  else if (r.exactly) errs.push(...validateDetails(r.exactly, child(field, "exactly"), ctx))
  else {
    const each = (s: (typeof alternatives)[number], p: string) => [
      ...validateDnsLabel(s.name ?? "", child(p, "name")),
      ...validateDetails(s, p, ctx),
    ]
    errs.push(
      ...validateSet(
        alternatives,
        MAX_ALTERNATIVES,
        child(field, "firstAvailable"),
        each,
        (s) => s.name ?? "",
      ),
    )
  }
  return errs
}

function validateConstraint(c: DeviceConstraint, field: string, names: RequestNames): FieldError[] {
  const errs = validateRequestRefs(c.requests, child(field, "requests"), names)
  if (c.matchAttribute !== undefined && c.matchAttribute !== null)
    errs.push(...validateFullyQualifiedName(c.matchAttribute, child(field, "matchAttribute")))
  else if (c.distinctAttribute !== undefined && c.distinctAttribute !== null)
    errs.push(...validateFullyQualifiedName(c.distinctAttribute, child(field, "distinctAttribute")))
  else errs.push(required(child(field, "matchAttribute"), ""))
  return errs
}

/** What a claim asks for, at `field` (`spec` of a claim, `spec.spec` of a template). */
export function validateClaimSpec(
  spec: ResourceClaimSpec | undefined,
  field: string,
  ctx: DraContext,
): FieldError[] {
  const devices = spec?.devices ?? {}
  const path = child(field, "devices")
  const names = requestNamesOf(devices)
  return [
    ...validateSet(
      devices.requests,
      MAX_REQUESTS,
      child(path, "requests"),
      (r, p) => validateRequest(r, p, ctx),
      (r) => r.name ?? "",
    ),
    ...validateList(devices.constraints, MAX_CONSTRAINTS, child(path, "constraints"), (c, p) =>
      validateConstraint(c, p, names),
    ),
    ...validateList(devices.config, MAX_CONFIGS, child(path, "config"), (c, p) => [
      ...validateRequestRefs(c.requests, child(p, "requests"), names),
      ...validateDeviceConfiguration(c, p, false),
    ]),
  ]
}

/**
 * Admin access asked for by a request of a new claim (or template): allowed only in a namespace
 * labelled `resource.kubernetes.io/admin-access: "true"`.
 */
export function validateAdminAccess(
  spec: ResourceClaimSpec | undefined,
  namespace: string,
  ctx: DraContext,
): FieldError[] {
  const i = (spec?.devices?.requests ?? []).findIndex((r) => r.exactly?.adminAccess === true)
  if (i < 0 || !ctx.namespaceLabels) return []
  const field = child(index("spec.devices.requests", i), "exactly", "adminAccess")
  return adminAccessAllowed(ctx.namespaceLabels, namespace, field)
}

function claimMeta(claim: { metadata?: ResourceClaim["metadata"] }): FieldError[] {
  return validateObjectMeta(claim.metadata, { namespaced: true, name: nameIsDnsSubdomain })
}

/** A ResourceClaim: on create its spec; on update, that the spec did not change. */
export function validateResourceClaimSpecWrite(
  claim: ResourceClaim,
  old: ResourceClaim | undefined,
  ctx: DraContext,
): FieldError[] {
  if (!old) {
    const errs = validateAdminAccess(claim.spec, claim.metadata?.namespace ?? "", ctx)
    errs.push(...claimMeta(claim), ...validateClaimSpec(claim.spec, "spec", ctx))
    return errs
  }
  const errs = [...claimMeta(claim), ...validateObjectMetaUpdate(claim.metadata, old.metadata)]
  if (!deepEqual(claim.spec, old.spec))
    errs.push(invalidShown("spec", shownClaimSpec(claim.spec), "field is immutable"))
  return errs
}

/** A ResourceClaimTemplate: its claims' metadata and spec on create; an immutable spec on update. */
export function validateResourceClaimTemplate(
  t: ResourceClaimTemplate,
  old: ResourceClaimTemplate | undefined,
  ctx: DraContext,
): FieldError[] {
  if (old) {
    const errs = validateObjectMetaUpdate(t.metadata, old.metadata)
    if (!deepEqual(t.spec, old.spec))
      errs.push(invalidShown("spec", shownTemplateSpec(t.spec), "field is immutable"))
    return errs
  }
  const errs = validateAdminAccess(t.spec?.spec, t.metadata?.namespace ?? "", ctx)
  errs.push(...claimMeta(t))
  const meta = t.spec?.metadata
  errs.push(...validateAnnotations(meta?.annotations, "spec.metadata.annotations"))
  errs.push(...validateLabels(meta?.labels, "spec.metadata.labels"))
  errs.push(...validateClaimSpec(t.spec?.spec, "spec.spec", ctx))
  return errs
}

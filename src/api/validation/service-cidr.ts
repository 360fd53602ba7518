/**
 * ServiceCIDRs and IPAddresses (networking validation): one CIDR, or one of each family, that
 * may only change by gaining its second family; an IPAddress named by a canonical address with
 * a parent that never changes.
 */
import type { FieldError } from "../errors.ts"
import { invalidShown, invalidValue, required } from "../field-errors.ts"
import type { IPAddress, ParentReference, ServiceCIDR, ServiceCIDRSpec } from "../service-cidr.ts"
import { parsePrefix } from "../../util/index.ts"
import { child, index, pushInvalid } from "./_field.ts"
import { isDns1123Subdomain, isPathSegmentName, nameIsDnsSubdomain } from "./names.ts"
import { isValidCidrStrict, strictIpErrors } from "./net.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const CIDRS = "spec.cidrs"

/** The spec as upstream's error prints it: its internal type, whose field names carry no JSON tags. */
function shownSpec(spec: ServiceCIDRSpec): string {
  return JSON.stringify({ CIDRs: spec.cidrs ?? null })
}

/** Upstream's IsDualStackCIDRStrings: two parseable CIDRs, one of each family. */
function isDualStack(cidrs: readonly string[]): boolean {
  const families = cidrs.map((c) => parsePrefix(c, { sloppy: true })?.addr.family)
  return !families.includes(undefined) && families.includes(4) && families.includes(6)
}

function validateSpec(spec: ServiceCIDRSpec): FieldError[] {
  const cidrs = spec.cidrs ?? []
  if (cidrs.length === 0) return [required(CIDRS, "at least one CIDR required")]
  if (cidrs.length > 2) return [invalidShown(CIDRS, shownSpec(spec), "may only hold up to 2 values")]
  if (cidrs.length === 2 && !isDualStack(cidrs)) {
    return [
      invalidShown(
        CIDRS,
        shownSpec(spec),
        "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64",
      ),
    ]
  }
  return cidrs.flatMap((c, i) => isValidCidrStrict(c, index(CIDRS, i)))
}

/** The CIDRs of an update: unchanged, or a single-stack range gaining its other family. */
function validateCidrsUpdate(spec: ServiceCIDRSpec, oldSpec: ServiceCIDRSpec): FieldError[] {
  const next = spec.cidrs ?? []
  const prev = oldSpec.cidrs ?? []
  const errs: FieldError[] = []
  if (next.length === prev.length) {
    prev.forEach((c, i) => {
      if (next[i] !== c) errs.push(invalidValue(index(CIDRS, i), next[i], "field is immutable"))
    })
  } else if (prev.length === 1 && next.length === 2) {
    if (next[0] !== prev[0]) errs.push(invalidValue(index(CIDRS, 0), next[0], "field is immutable"))
    errs.push(...validateSpec(spec))
  } else errs.push(invalidValue(CIDRS, spec.cidrs ?? null, "field is immutable"))
  return errs
}

/**
 * A ServiceCIDR on create, or on update when `old` is given (a status write checks only its
 * metadata, as upstream's status strategy).
 */
export function validateServiceCIDR(cidr: ServiceCIDR, old?: ServiceCIDR, subresource = ""): FieldError[] {
  if (!old) {
    const errs = validateObjectMeta(cidr.metadata, { namespaced: false, name: nameIsDnsSubdomain })
    errs.push(...validateSpec(cidr.spec ?? {}))
    return errs
  }
  const errs = validateObjectMetaUpdate(cidr.metadata, old.metadata)
  if (subresource === "status") return errs
  errs.push(...validateCidrsUpdate(cidr.spec ?? {}, old.spec ?? {}))
  return errs
}

/** An IPAddress's name (and generateName, alike): an address in canonical form. */
function ipAddressName(name: string): string[] {
  return strictIpErrors(name)
}

function validateParentRef(ref: ParentReference | undefined): FieldError[] {
  const field = "spec.parentRef"
  if (!ref) return [required(field, "")]
  const errs: FieldError[] = []
  // The core group is "", so a group cannot be required
  if (ref.group) pushInvalid(errs, child(field, "group"), ref.group, isDns1123Subdomain(ref.group))
  for (const k of ["resource", "name"] as const) {
    const v = ref[k] ?? ""
    if (!v) errs.push(required(child(field, k), ""))
    else pushInvalid(errs, child(field, k), v, isPathSegmentName(v))
  }
  if (ref.namespace) {
    pushInvalid(errs, child(field, "namespace"), ref.namespace, isPathSegmentName(ref.namespace))
  }
  return errs
}

/** A ParentReference as upstream's error prints it (its internal type: no JSON tags, no omitempty). */
function shownRef(ref: ParentReference | undefined): string {
  if (!ref) return "null"
  return JSON.stringify({
    Group: ref.group ?? "",
    Resource: ref.resource ?? "",
    Namespace: ref.namespace ?? "",
    Name: ref.name ?? "",
  })
}

function sameRef(a: ParentReference | undefined, b: ParentReference | undefined): boolean {
  if (!a || !b) return !a && !b
  return shownRef(a) === shownRef(b)
}

/** An IPAddress on create, or on update when `old` is given: the parent may not change. */
export function validateIPAddress(ip: IPAddress, old?: IPAddress): FieldError[] {
  const errs = validateObjectMeta(ip.metadata, { namespaced: false, name: ipAddressName })
  errs.push(...validateParentRef(ip.spec?.parentRef))
  if (!old) return errs
  errs.push(...validateObjectMetaUpdate(ip.metadata, old.metadata))
  if (!sameRef(ip.spec?.parentRef, old.spec?.parentRef)) {
    errs.push(invalidShown("spec.parentRef", shownRef(ip.spec?.parentRef), "field is immutable"))
  }
  return errs
}

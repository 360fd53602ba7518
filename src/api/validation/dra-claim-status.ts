/**
 * Writes of a ResourceClaim's status (upstream's ValidateResourceClaimStatusUpdate): at most 256
 * consumers in reservedFor, each with resource, name and uid, none twice, only once allocated and
 * none added while the claim is being deleted; an allocation that never changes once set and is
 * checked when new; the status of allocated devices only. Admin access in a new allocation needs
 * the namespace label, as in the spec.
 */
import type { Condition } from "kubernetes-types/meta/v1.js"
import { formatIp, isIpv4Mapped, parsePrefix } from "../../util/index.ts"
import type { FieldError } from "../errors.ts"
import {
  duplicate,
  forbidden,
  invalidShown,
  invalidValue,
  notSupported,
  required,
  tooLong,
  tooMany,
} from "../field-errors.ts"
import type {
  AllocatedDeviceStatus,
  AllocationResult,
  DeviceAllocationConfiguration,
  DeviceRequestAllocationResult,
  ResourceClaim,
  ResourceClaimConsumerReference,
} from "../dra.ts"
import { child, deepEqual, index } from "./_field.ts"
import { type RequestNames, requestNamesOf, validateRequestRef, validateRequestRefs } from "./dra-claim.ts"
import {
  adminAccessAllowed,
  type DraContext,
  MAX_CONFIGS,
  validateDnsLabel,
  validateDriverName,
  validateList,
  validatePoolName,
  validateSet,
  validateUid,
} from "./dra-common.ts"
import { validateBindingConditions, validateDeviceConfiguration, validateRawExtension } from "./dra-parts.ts"
import { shownAllocation } from "./dra-shown.ts"
import { validateLabelName } from "./labels.ts"
import { regexError } from "./names.ts"
import { validateObjectMetaUpdate } from "./object-meta.ts"
import { validateNodeSelector } from "./scheduling.ts"

const MAX_RESERVED_FOR = 256
const MAX_RESULTS = 32
const MAX_DEVICE_CONDITIONS = 8
const MAX_DEVICE_DATA = 10 * 1024
const MAX_IPS = 16
const ALLOCATED_ONLY = "may not be specified when `allocated` is not set"
const CONFIG_SOURCES = ["FromClaim", "FromClass"]
/** A device's ID as upstream's errors print it: interned strings, which marshal as empty objects. */
const DEVICE_ID = '{"Driver":{},"Pool":{},"Device":{},"ShareID":{}}'

function validateConsumer(ref: ResourceClaimConsumerReference, field: string): FieldError[] {
  const errs: FieldError[] = []
  for (const k of ["resource", "name", "uid"] as const) if (!ref[k]) errs.push(required(child(field, k), ""))
  return errs
}

function validateResult(r: DeviceRequestAllocationResult, field: string, names: RequestNames): FieldError[] {
  const errs = [
    ...validateRequestRef(r.request ?? "", child(field, "request"), names),
    ...validateDriverName(r.driver ?? "", child(field, "driver")),
    ...validatePoolName(r.pool, child(field, "pool")),
    ...validateDnsLabel(r.device ?? "", child(field, "device")),
    ...validateBindingConditions(r.bindingConditions, r.bindingFailureConditions, field),
  ]
  if (r.shareID !== undefined && r.shareID !== null)
    errs.push(...validateUid(r.shareID, child(field, "shareID")))
  return errs
}

function validateAllocationConfig(
  c: DeviceAllocationConfiguration,
  field: string,
  names: RequestNames,
): FieldError[] {
  const errs: FieldError[] = []
  if (!c.source) errs.push(required(child(field, "source"), ""))
  else if (!CONFIG_SOURCES.includes(c.source))
    errs.push(notSupported(child(field, "source"), c.source, CONFIG_SOURCES))
  errs.push(...validateRequestRefs(c.requests, child(field, "requests"), names))
  errs.push(...validateDeviceConfiguration(c, field, false))
  return errs
}

/** A new allocation: its results and configuration, and its node selector. */
function validateAllocation(a: AllocationResult, field: string, names: RequestNames): FieldError[] {
  const devices = child(field, "devices")
  const errs = [
    ...validateList(a.devices?.results, MAX_RESULTS, child(devices, "results"), (r, p) =>
      validateResult(r, p, names),
    ),
    // The class's configuration and the claim's
    ...validateList(a.devices?.config, 2 * MAX_CONFIGS, child(devices, "config"), (c, p) =>
      validateAllocationConfig(c, p, names),
    ),
  ]
  if (a.nodeSelector) errs.push(...validateNodeSelector(a.nodeSelector, child(field, "nodeSelector")))
  return errs
}

function deviceKey(d: { driver?: string; pool?: string; device?: string; shareID?: string }): string {
  return JSON.stringify([d.driver ?? "", d.pool ?? "", d.device ?? "", d.shareID ?? ""])
}

const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/
const CONDITION_STATUSES = ["False", "True", "Unknown"]

/** metav1 Conditions (apimachinery's ValidateConditions). */
export function validateConditions(
  conditions: readonly Condition[] | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  const types = new Set<string>()
  ;(conditions ?? []).forEach((c, i) => {
    const p = index(field, i)
    if (types.has(c.type)) errs.push(duplicate(child(p, "type"), c.type))
    types.add(c.type)
    errs.push(...validateLabelName(c.type ?? "", child(p, "type")))
    if (!CONDITION_STATUSES.includes(c.status))
      errs.push(notSupported(child(p, "status"), c.status ?? "", CONDITION_STATUSES))
    if ((c.observedGeneration ?? 0) < 0)
      errs.push(
        invalidValue(
          child(p, "observedGeneration"),
          c.observedGeneration,
          "must be greater than or equal to zero",
        ),
      )
    if (!c.lastTransitionTime) errs.push(required(child(p, "lastTransitionTime"), ""))
    if (!c.reason) errs.push(required(child(p, "reason"), ""))
    else {
      if (!REASON.test(c.reason)) {
        const msg =
          "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'"
        const fmt = "[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?"
        errs.push(
          invalidValue(
            child(p, "reason"),
            c.reason,
            regexError(msg, fmt, "my_name", "MY_NAME", "MyName", "ReasonA,ReasonB", "ReasonA:ReasonB"),
          ),
        )
      }
      if (c.reason.length > 1024) errs.push(tooLong(child(p, "reason"), 1024))
    }
    if ((c.message ?? "").length > 32 * 1024) errs.push(tooLong(child(p, "message"), 32 * 1024))
  })
  return errs
}

/** An interface address: an address and prefix length, in canonical form. */
function validateInterfaceAddress(value: string, field: string): FieldError[] {
  const p = parsePrefix(value, { sloppy: true })
  if (!p)
    return [
      invalidValue(
        field,
        value,
        "must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or 2001:db8::1/64)",
      ),
    ]
  // Go prints an IPv4-mapped address as IPv4, with its prefix length in IPv4 bits
  const mapped = isIpv4Mapped(p.addr) && p.bits >= 96
  const text = mapped ? formatIp({ family: 4, value: p.addr.value & 0xffffffffn }) : formatIp(p.addr)
  const canonical = `${text}/${mapped ? p.bits - 96 : p.bits}`
  return value === canonical
    ? []
    : [invalidValue(field, value, `must be in canonical form (${JSON.stringify(canonical)})`)]
}

function validateDeviceStatus(
  d: AllocatedDeviceStatus,
  field: string,
  allocated: ReadonlySet<string>,
): FieldError[] {
  const errs = [
    ...validateDriverName(d.driver ?? "", child(field, "driver")),
    ...validatePoolName(d.pool, child(field, "pool")),
    ...validateDnsLabel(d.device ?? "", child(field, "device")),
  ]
  if (d.shareID !== undefined && d.shareID !== null)
    errs.push(...validateUid(d.shareID, child(field, "shareID")))
  if (!allocated.has(deviceKey(d)))
    errs.push(invalidShown(field, DEVICE_ID, "must be an allocated device in the claim"))
  const conditions = d.conditions ?? []
  if (conditions.length > MAX_DEVICE_CONDITIONS)
    errs.push(tooMany(child(field, "conditions"), conditions.length, MAX_DEVICE_CONDITIONS))
  errs.push(...validateConditions(conditions, child(field, "conditions")))
  if (d.data !== undefined && d.data !== null)
    errs.push(...validateRawExtension(d.data, child(field, "data"), false, MAX_DEVICE_DATA))
  const net = d.networkData
  if (net) {
    const p = child(field, "networkData")
    if ((net.interfaceName ?? "").length > 256) errs.push(tooLong(child(p, "interfaceName"), 256))
    if ((net.hardwareAddress ?? "").length > 128) errs.push(tooLong(child(p, "hardwareAddress"), 128))
    errs.push(...validateSet(net.ips, MAX_IPS, child(p, "ips"), validateInterfaceAddress, (ip) => ip))
  }
  return errs
}

/** Admin access granted by a new allocation, as in the spec: only in a labelled namespace. */
function validateAdminResults(claim: ResourceClaim, old: ResourceClaim, ctx: DraContext): FieldError[] {
  const granted = (c: ResourceClaim) =>
    (c.status?.allocation?.devices?.results ?? []).findIndex((r) => r.adminAccess === true)
  if (granted(old) >= 0 || !ctx.namespaceLabels) return []
  const i = granted(claim)
  if (i < 0) return []
  const field = child(index("status.allocation.devices.results", i), "adminAccess")
  return adminAccessAllowed(ctx.namespaceLabels, claim.metadata?.namespace ?? "", field)
}

/** A write of a claim's status; `old` is the stored claim. */
export function validateResourceClaimStatus(
  claim: ResourceClaim,
  old: ResourceClaim,
  ctx: DraContext,
): FieldError[] {
  const errs = validateAdminResults(claim, old, ctx)
  errs.push(...validateObjectMetaUpdate(claim.metadata, old.metadata))
  const status = claim.status ?? {}
  const names = requestNamesOf(claim.spec?.devices)
  const reserved = status.reservedFor ?? []
  errs.push(
    ...validateSet(reserved, MAX_RESERVED_FOR, "status.reservedFor", validateConsumer, (r) => r.uid ?? ""),
  )
  const allocated = new Set((status.allocation?.devices?.results ?? []).map(deviceKey))
  errs.push(
    ...validateSet(
      status.devices,
      -1,
      "status.devices",
      (d, p) => validateDeviceStatus(d, p, allocated),
      deviceKey,
      (p) => ({ type: "FieldValueDuplicate", field: p, message: `Duplicate value: ${DEVICE_ID}` }),
    ),
  )
  if (reserved.length) {
    if (!status.allocation) errs.push(forbidden("status.reservedFor", ALLOCATED_ONLY))
    else if (claim.metadata?.deletionTimestamp) {
      const before = (old.status?.reservedFor ?? []).map((r) => JSON.stringify(r))
      if (reserved.some((r) => !before.includes(JSON.stringify(r))))
        errs.push(
          forbidden(
            "status.reservedFor",
            "new entries may not be added while `deallocationRequested` or `deletionTimestamp` are set",
          ),
        )
    }
  }
  const prev = old.status?.allocation
  if (prev && status.allocation) {
    if (!deepEqual(status.allocation, prev))
      errs.push(invalidShown("status.allocation", shownAllocation(status.allocation), "field is immutable"))
  } else if (status.allocation)
    errs.push(...validateAllocation(status.allocation, "status.allocation", names))
  return errs
}

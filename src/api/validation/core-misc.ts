/**
 * The smaller core kinds: ServiceAccounts, LimitRanges, ResourceQuotas, PersistentVolumeClaims
 * and PersistentVolumes. Their common rules are covered; volume-plugin specifics are not.
 */
import type {
  LimitRange,
  PersistentVolume,
  PersistentVolumeClaim,
  ResourceQuota,
  ServiceAccount,
} from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, forbidden, invalidValue, notSupported, required } from "../field-errors.ts"
import { child, deepEqual, entries, index, key, list } from "./_field.ts"
import { validateLabelSelector } from "./labels.ts"
import { isDns1123Subdomain, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { parseQuantity } from "../quantity.ts"
import { validateQuotaResourceName, validateQuotaScopes } from "./quota-scopes.ts"
import { validateContainerResourceName, validateResourceName, validateResourceQuantity } from "./resources.ts"

const META = { namespaced: true, name: nameIsDnsSubdomain }

function meta(
  obj: { metadata?: ServiceAccount["metadata"] },
  old: { metadata?: ServiceAccount["metadata"] } | undefined,
  namespaced = true,
): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : []
  errs.push(...validateObjectMeta(obj.metadata, { ...META, namespaced }))
  return errs
}

/** A ServiceAccount: metadata only. */
export function validateServiceAccount(sa: ServiceAccount, old?: ServiceAccount): FieldError[] {
  return meta(sa, old)
}

const LIMIT_TYPES = new Set(["Pod", "Container", "PersistentVolumeClaim"])

/** A LimitRange: type and resource names, no duplicate types, Pod limits without defaults. */
export function validateLimitRange(lr: LimitRange, old?: LimitRange): FieldError[] {
  const errs = meta(lr, old)
  const seen = new Set<string>()
  list(lr.spec?.limits).forEach((limit, i) => {
    const p = index("spec.limits", i)
    const type = limit.type ?? ""
    if (!type.includes("/") && !LIMIT_TYPES.has(type)) {
      errs.push(invalidValue(child(p, "type"), type, "must be a standard limit type or fully qualified"))
    }
    if (seen.has(type)) errs.push(duplicate(child(p, "type"), type))
    seen.add(type)
    const nameCheck =
      type === "Pod" || type === "Container" ? validateContainerResourceName : validateResourceName
    for (const k of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"] as const) {
      if (type === "Pod" && (k === "default" || k === "defaultRequest")) {
        if (Object.keys(limit[k] ?? {}).length)
          errs.push(forbidden(child(p, k), "may not be specified when `type` is 'Pod'"))
        continue
      }
      for (const [name] of entries(limit[k])) errs.push(...nameCheck(name, key(child(p, k), name)))
    }
    for (const [name, minQ] of entries(limit.min)) {
      const maxQ = limit.max?.[name]
      const min = parseQuantity(minQ)
      const max = parseQuantity(maxQ)
      if (min && max && min.nano > max.nano) {
        errs.push(
          invalidValue(
            key(child(p, "min"), name),
            minQ,
            `min value ${minQ} is greater than max value ${maxQ}`,
          ),
        )
      }
    }
  })
  return errs
}

/**
 * A ResourceQuota: on create its spec (hard resources, scopes, scope selector) and status; on
 * update its spec and unchanged scopes, not the status the update keeps from the stored quota.
 */
export function validateResourceQuota(rq: ResourceQuota, old?: ResourceQuota): FieldError[] {
  const errs = meta(rq, old)
  errs.push(...validateQuotaResources("spec.hard", rq.spec?.hard), ...validateQuotaScopes(rq.spec))
  if (!old) return [...errs, ...validateQuotaStatus(rq)]
  if (!deepEqual([...list(rq.spec?.scopes)].sort(), [...list(old.spec?.scopes)].sort())) {
    errs.push(invalidValue("spec.scopes", rq.spec?.scopes ?? null, "field is immutable"))
  }
  return errs
}

/**
 * A write of a ResourceQuota's status (upstream's ValidateResourceQuotaStatusUpdate): metadata,
 * a resourceVersion, and the status's resources; the spec it keeps is not checked again, so a
 * quota stored under older rules still takes its controller's usage.
 */
export function validateResourceQuotaStatusUpdate(rq: ResourceQuota, old: ResourceQuota): FieldError[] {
  const errs = validateObjectMetaUpdate(rq.metadata, old.metadata)
  if (!rq.metadata?.resourceVersion) errs.push(required("resourceVersion", ""))
  errs.push(...validateQuotaStatus(rq))
  return errs
}

function validateQuotaStatus(rq: ResourceQuota): FieldError[] {
  return [
    ...validateQuotaResources("status.hard", rq.status?.hard),
    ...validateQuotaResources("status.used", rq.status?.used),
  ]
}

/** A quota's resource list: names the quota system tracks, quantities fit for them. */
function validateQuotaResources(path: string, m: Record<string, string> | undefined): FieldError[] {
  const errs: FieldError[] = []
  for (const [name, q] of entries(m)) {
    errs.push(...validateResourceName(name, key(path, name)))
    errs.push(...validateQuotaResourceName(name, key(path, name)))
    errs.push(...validateResourceQuantity(name, q, key(path, name)))
  }
  return errs
}

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]

/** A claim's spec may not change, except a first volumeName and the storage request of bound claims. */
function validateClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const next = structuredClone(pvc.spec ?? {}) as Record<string, any>
  const prev = old.spec ?? {}
  // The binder sets volumeName once; bound claims may grow their storage request
  if (!prev.volumeName) next.volumeName = prev.volumeName
  // A claim without a class may get one later (retroactive default StorageClass assignment)
  const beta = old.metadata?.annotations?.["volume.beta.kubernetes.io/storage-class"]
  if ((prev.storageClassName ?? null) === null && beta === undefined)
    next.storageClassName = prev.storageClassName
  if (next.storageClassName === undefined) delete next.storageClassName
  if (pvc.status?.phase === "Bound" && next.resources?.requests) {
    next.resources.requests.storage = prev.resources?.requests?.storage
  }
  const errs: FieldError[] = []
  if (!deepEqual(next, prev)) {
    const msg =
      "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
    errs.push(forbidden("spec", msg))
  }
  if (isSmaller(pvc, old)) {
    errs.push(forbidden("spec.resources.requests.storage", "field can not be less than previous value"))
  }
  return errs
}

/** True when both storage requests parse and the new one is below the old one. */
function isSmaller(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): boolean {
  const quantity = (c: PersistentVolumeClaim) => {
    const q = c.spec?.resources?.requests?.storage
    return q !== undefined ? parseQuantity(q)?.nano : undefined
  }
  const a = quantity(pvc)
  const b = quantity(old)
  return a !== undefined && b !== undefined && a < b
}

/** Known access modes; ReadWriteOncePod only on its own. */
function validateAccessModes(modes: readonly string[]): FieldError[] {
  const errs: FieldError[] = []
  for (const m of modes)
    if (!ACCESS_MODES.includes(m)) errs.push(notSupported("spec.accessModes", m, ACCESS_MODES))
  const others = modes.some((m) => m !== "ReadWriteOncePod" && ACCESS_MODES.includes(m))
  if (modes.includes("ReadWriteOncePod") && others) {
    errs.push(forbidden("spec.accessModes", "may not use ReadWriteOncePod with other access modes"))
  }
  return errs
}

/** A PersistentVolumeClaim: access modes, a positive storage request, class name and volume mode. */
export function validatePersistentVolumeClaim(
  pvc: PersistentVolumeClaim,
  old?: PersistentVolumeClaim,
): FieldError[] {
  const errs = meta(pvc, old)
  const spec = pvc.spec ?? {}
  const modes = list(spec.accessModes)
  if (!modes.length) errs.push(required("spec.accessModes", "at least 1 access mode is required"))
  errs.push(...validateLabelSelector(spec.selector, "spec.selector"))
  errs.push(...validateAccessModes(modes))
  const storagePath = key("spec.resources", "storage")
  const storage = spec.resources?.requests?.storage
  if (storage === undefined) errs.push(required(storagePath, ""))
  else {
    const q = parseQuantity(storage)
    if (!q || q.nano <= 0n) errs.push(invalidValue(storagePath, storage, "must be greater than zero"))
  }
  if (spec.storageClassName) {
    errs.push(
      ...isDns1123Subdomain(spec.storageClassName).map((m) =>
        invalidValue("spec.storageClassName", spec.storageClassName, m),
      ),
    )
  }
  if (spec.volumeMode && spec.volumeMode !== "Block" && spec.volumeMode !== "Filesystem") {
    errs.push(notSupported("spec.volumeMode", spec.volumeMode, ["Block", "Filesystem"]))
  }
  if (old) errs.push(...validateClaimUpdate(pvc, old))
  return errs
}

/** A PersistentVolume: metadata and capacity quantities only. */
export function validatePersistentVolume(pv: PersistentVolume, old?: PersistentVolume): FieldError[] {
  const errs = meta(pv, old, false)
  for (const [name, q] of entries(pv.spec?.capacity))
    errs.push(...validateResourceQuantity(name, q, key("spec.capacity", name)))
  return errs
}

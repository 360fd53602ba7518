/**
 * The storage.k8s.io/v1 kinds around CSI drivers: CSIDrivers, CSINodes, CSIStorageCapacities,
 * VolumeAttachments and VolumeAttributesClasses, with upstream's required fields, enums and
 * immutable fields.
 */
import type {
  CSIDriver,
  CSINode,
  CSIStorageCapacity,
  VolumeAttachment,
  VolumeError,
} from "kubernetes-types/storage/v1.js"
import type { VolumeAttributesClass } from "kubernetes-types/storage/v1alpha1.js"
import type { FieldError } from "../errors.ts"
import {
  duplicate,
  forbidden,
  invalidShown,
  invalidValue,
  notSupported,
  required,
  tooLong,
} from "../field-errors.ts"
import { milliValue, parseQuantity, quantityString } from "../quantity.ts"
import { child, deepEqual, entries, immutable, index, list } from "./_field.ts"
import { validateLabelSelector } from "./labels.ts"
import { isDns1123Subdomain, isQualifiedName, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const FS_GROUP_POLICIES = ["File", "None", "ReadWriteOnceWithFSType"]
const LIFECYCLE_MODES = ["Persistent", "Ephemeral"]
const MAX_PARAMETERS = 512
const MAX_PARAMETERS_SIZE = 256 * 1024
const MAX_ATTACHMENT_METADATA_SIZE = 256 * 1024
const MAX_VOLUME_ERROR_MESSAGE = 1024
const MAX_NODE_ID = 192
const MAX_LONG_NODE_ID = 256

function meta(
  obj: { metadata?: CSIDriver["metadata"] },
  old: { metadata?: CSIDriver["metadata"] } | undefined,
  namespaced = false,
): FieldError[] {
  return old
    ? validateObjectMetaUpdate(obj.metadata, old.metadata)
    : validateObjectMeta(obj.metadata, { namespaced, name: nameIsDnsSubdomain })
}

/**
 * A CSI driver name as a field (not an object name): required, at most 63 bytes, a DNS-1123
 * subdomain in any case (upstream's ValidateCSIDriverName; DRA driver names are checked alike).
 */
export function validateDriverName(name: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (!name) errs.push(required(field, ""))
  if (name.length > 63) errs.push(tooLong(field, 63))
  for (const m of isDns1123Subdomain(name.toLowerCase())) errs.push(invalidValue(field, name, m))
  return errs
}

function requiredBool(value: boolean | undefined, field: string): FieldError[] {
  return value === undefined || value === null ? [required(field, "")] : []
}

function validateTokenRequests(spec: CSIDriver["spec"], field: string): FieldError[] {
  const errs: FieldError[] = []
  const audiences = new Set<string>()
  list(spec.tokenRequests).forEach((t, i) => {
    const path = index(field, i)
    if (audiences.has(t.audience)) return void errs.push(duplicate(child(path, "audience"), t.audience))
    audiences.add(t.audience)
    const exp = t.expirationSeconds
    if (exp === undefined || exp === null) return
    if (exp < 600)
      errs.push(
        invalidValue(
          child(path, "expirationSeconds"),
          exp,
          "may not specify a duration less than 10 minutes",
        ),
      )
    if (exp > 2 ** 32)
      errs.push(
        invalidValue(
          child(path, "expirationSeconds"),
          exp,
          "may not specify a duration larger than 2^32 seconds",
        ),
      )
  })
  return errs
}

function validateCSIDriverSpec(spec: CSIDriver["spec"]): FieldError[] {
  const s = spec ?? {}
  const errs = [
    // upstream's path misspells attachRequired
    ...requiredBool(s.attachRequired, "spec.attachedRequired"),
    ...requiredBool(s.podInfoOnMount, "spec.podInfoOnMount"),
    ...requiredBool(s.storageCapacity, "spec.storageCapacity"),
  ]
  if (
    s.fsGroupPolicy !== undefined &&
    s.fsGroupPolicy !== null &&
    !FS_GROUP_POLICIES.includes(s.fsGroupPolicy)
  )
    errs.push(notSupported("spec.fsGroupPolicy", s.fsGroupPolicy, FS_GROUP_POLICIES))
  errs.push(...validateTokenRequests(s, "spec.tokenRequests"))
  for (const mode of list(s.volumeLifecycleModes))
    if (!LIFECYCLE_MODES.includes(mode))
      errs.push(notSupported("spec.volumeLifecycleModes", mode, LIFECYCLE_MODES))
  errs.push(...requiredBool((s as { seLinuxMount?: boolean }).seLinuxMount, "spec.seLinuxMount"))
  const period = (s as { nodeAllocatableUpdatePeriodSeconds?: number }).nodeAllocatableUpdatePeriodSeconds
  if (period !== undefined && period !== null && period < 10)
    errs.push(
      invalidValue(
        "spec.nodeAllocatableUpdatePeriodSeconds",
        period,
        "must be greater than or equal to 10 seconds",
      ),
    )
  return errs
}

/** A CSIDriver; attachRequired and volumeLifecycleModes are immutable. */
export function validateCSIDriver(d: CSIDriver, old?: CSIDriver): FieldError[] {
  const errs = meta(d, old)
  errs.push(...validateCSIDriverSpec(d.spec))
  if (!old) return errs
  errs.push(...immutable("spec.attachedRequired", d.spec?.attachRequired, old.spec?.attachRequired))
  if (!deepEqual(d.spec?.volumeLifecycleModes, old.spec?.volumeLifecycleModes))
    errs.push(
      invalidShown(
        "spec.volumeLifecycleModes",
        `[]storage.VolumeLifecycleMode{${list(d.spec?.volumeLifecycleModes)
          .map((m) => JSON.stringify(m))
          .join(", ")}}`,
        "field is immutable",
      ),
    )
  return errs
}

function validateNodeDrivers(n: CSINode, maxNodeID: number): FieldError[] {
  const errs: FieldError[] = []
  const names = new Set<string>()
  list(n.spec?.drivers).forEach((d, i) => {
    const path = index("spec.drivers", i)
    errs.push(...validateDriverName(d.name ?? "", child(path, "name")))
    const nodeID = d.nodeID ?? ""
    if (!nodeID) errs.push(required(child(path, "nodeID"), ""))
    if (nodeID.length > maxNodeID)
      errs.push(invalidValue(child(path, "nodeID"), nodeID, `must be ${maxNodeID} characters or less`))
    const count = d.allocatable?.count
    if (count !== undefined && count !== null && count < 0)
      errs.push(
        invalidValue(child(path, "allocatable", "count"), count, "must be greater than or equal to 0"),
      )
    if (names.has(d.name)) errs.push(duplicate(child(path, "name"), d.name))
    names.add(d.name)
    const keys = new Set<string>()
    for (const key of list(d.topologyKeys)) {
      if (!key) errs.push(required(path, ""))
      if (keys.has(key)) errs.push(duplicate(path, key))
      keys.add(key)
      for (const m of isQualifiedName(key)) errs.push(invalidValue(path, key, m))
    }
  })
  return errs
}

/** A CSINode: a node name, and drivers registered once each; a registered driver may only change its allocatable count. */
export function validateCSINode(n: CSINode, old?: CSINode): FieldError[] {
  const errs = meta(n, old)
  // An update may keep the longer node IDs the old object already has
  const long = list(old?.spec?.drivers).some((d) => (d.nodeID ?? "").length > MAX_NODE_ID)
  errs.push(...validateNodeDrivers(n, long ? MAX_LONG_NODE_ID : MAX_NODE_ID))
  for (const o of list(old?.spec?.drivers)) {
    for (const d of list(n.spec?.drivers)) {
      if (o.name !== d.name) continue
      const { allocatable: _a, ...nd } = d
      const { allocatable: _b, ...od } = o
      if (!deepEqual(nd, od))
        errs.push(invalidShown("spec.drivers", "storage.CSINodeDriver{...}", "field is immutable"))
    }
  }
  return errs
}

/** A CSIStorageCapacity: a class name, a node topology selector and a capacity of at least 0; the first two are immutable. */
export function validateCSIStorageCapacity(c: CSIStorageCapacity, old?: CSIStorageCapacity): FieldError[] {
  const errs = meta(c, old, true)
  errs.push(...validateLabelSelector(c.nodeTopology, "nodeTopology"))
  for (const m of nameIsDnsSubdomain(c.storageClassName ?? "", false))
    errs.push(invalidValue("storageClassName", c.storageClassName ?? "", m))
  if (c.capacity !== undefined && c.capacity !== null && milliValue(c.capacity) < 0) {
    const q = parseQuantity(c.capacity)
    errs.push(
      invalidValue(
        "capacity",
        q ? quantityString(q) : String(c.capacity),
        "must be greater than or equal to 0",
      ),
    )
  }
  if (!old) return errs
  if (!deepEqual(c.nodeTopology, old.nodeTopology))
    errs.push(invalidShown("nodeTopology", "&v1.LabelSelector{...}", "field is immutable"))
  if (c.storageClassName !== old.storageClassName)
    errs.push(invalidValue("storageClassName", c.storageClassName, "field is immutable"))
  return errs
}

function validateVolumeError(e: VolumeError | undefined, field: string): FieldError[] {
  if (!e) return []
  const errs: FieldError[] = []
  if ((e.message ?? "").length > MAX_VOLUME_ERROR_MESSAGE)
    errs.push(tooLong(child(field, "message"), MAX_ATTACHMENT_METADATA_SIZE))
  const code = (e as { errorCode?: number }).errorCode
  if (code !== undefined && code !== null && code < 0)
    errs.push(invalidValue(child(field, "errorCode"), code, "must be between 0 and 2147483647, inclusive"))
  return errs
}

function validateAttachmentSpec(va: VolumeAttachment): FieldError[] {
  const s = va.spec ?? {}
  const errs: FieldError[] = []
  if (!s.attacher) errs.push(required("spec.attacher", ""))
  const src = s.source ?? {}
  const pv = src.persistentVolumeName
  const hasPv = pv !== undefined && pv !== null
  const hasInline = src.inlineVolumeSpec !== undefined && src.inlineVolumeSpec !== null
  const exactlyOne = "must specify exactly one of inlineVolumeSpec and persistentVolumeName"
  if (!hasPv && !hasInline) errs.push(required("spec.source", exactlyOne))
  else if (hasPv && hasInline) errs.push(forbidden("spec.source", exactlyOne))
  else if (hasPv && pv === "")
    errs.push(required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"))
  for (const m of nameIsDnsSubdomain(s.nodeName ?? "", false))
    errs.push(invalidValue("spec.nodeName", s.nodeName ?? "", m))
  return errs
}

/** What v1 checks of new attachments only: the attacher is a CSI driver name, the volume a valid name. */
function validateNewAttachment(va: VolumeAttachment): FieldError[] {
  const errs = validateDriverName(va.spec?.attacher ?? "", "spec.attacher")
  const pv = va.spec?.source?.persistentVolumeName
  if (pv !== undefined && pv !== null)
    for (const m of nameIsDnsSubdomain(pv, false))
      errs.push(invalidValue("spec.source.persistentVolumeName", pv, m))
  return errs
}

function validateAttachmentStatus(va: VolumeAttachment): FieldError[] {
  const st = va.status
  if (!st) return []
  const errs: FieldError[] = []
  const size = entries(st.attachmentMetadata).reduce((n, [k, v]) => n + k.length + v.length, 0)
  if (size > MAX_ATTACHMENT_METADATA_SIZE)
    errs.push(tooLong("status.attachmentMetadata", MAX_ATTACHMENT_METADATA_SIZE))
  errs.push(...validateVolumeError(st.attachError, "status.attachError"))
  errs.push(...validateVolumeError(st.detachError, "status.detachError"))
  return errs
}

/** A VolumeAttachment: attacher, exactly one source, node name; the spec never changes. */
export function validateVolumeAttachment(va: VolumeAttachment, old?: VolumeAttachment): FieldError[] {
  const errs = meta(va, old)
  errs.push(...validateAttachmentSpec(va), ...validateAttachmentStatus(va))
  if (!old) errs.push(...validateNewAttachment(va))
  if (old && !deepEqual(va.spec, old.spec))
    errs.push(invalidShown("spec", "storage.VolumeAttachmentSpec{...}", "field is immutable"))
  return errs
}

function validateParameters(
  params: Readonly<Record<string, string>> | undefined,
  field: string,
): FieldError[] {
  const all = entries(params)
  if (all.length > MAX_PARAMETERS) return [tooLong(field, MAX_PARAMETERS)]
  const errs: FieldError[] = []
  let size = 0
  for (const [k, v] of all) {
    if (k.length < 1) errs.push(invalidValue(field, k, "field can not be empty."))
    size += k.length + v.length
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong(field, MAX_PARAMETERS_SIZE))
  if (all.length === 0) errs.push(required(field, "must contain at least one key/value pair"))
  return errs
}

/** A VolumeAttributesClass: a qualified driver name and at least one parameter; both immutable. */
export function validateVolumeAttributesClass(
  vac: VolumeAttributesClass,
  old?: VolumeAttributesClass,
): FieldError[] {
  const errs = meta(vac, old)
  if (old) {
    if (vac.driverName !== old.driverName)
      errs.push(forbidden("driverName", "updates to driverName are forbidden."))
    if (!deepEqual(vac.parameters ?? {}, old.parameters ?? {}))
      errs.push(forbidden("parameters", "updates to parameters are forbidden."))
  }
  const driver = vac.driverName ?? ""
  if (!driver) errs.push(required("driverName", ""))
  else for (const m of isQualifiedName(driver.toLowerCase())) errs.push(invalidValue("driverName", driver, m))
  errs.push(...validateParameters(vac.parameters, "parameters"))
  return errs
}

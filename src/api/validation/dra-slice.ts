/**
 * DeviceClasses and ResourceSlices (upstream's resource validation). A class: selectors that
 * compile (unchanged ones are not compiled again) and opaque configuration. A slice: a driver
 * and pool (immutable, as is its node), exactly one of nodeName, nodeSelector (one term),
 * allNodes and perDeviceNodeSelection, at most 128 devices (64 with taints or counters) named as
 * DNS labels with at most 32 attributes and capacities, each attribute exactly one value.
 */
import type { FieldError } from "../errors.ts"
import { forbidden, invalidShown, invalidValue, required, tooLong } from "../field-errors.ts"
import type {
  Counters,
  Device,
  DeviceAttribute,
  DeviceCapacity,
  DeviceClass,
  ResourceSlice,
  ResourceSliceSpec,
} from "../dra.ts"
import { child, deepEqual } from "./_field.ts"
import {
  type DraContext,
  MAX_CONFIGS,
  validateDnsLabel,
  validateDnsSubdomain,
  validateDriverName,
  validateList,
  validateMap,
  validatePoolName,
  validateQualifiedName,
  validateSet,
} from "./dra-common.ts"
import {
  validateBindingConditions,
  validateDeviceConfiguration,
  validateDeviceTaints,
  validateSelectors,
} from "./dra-parts.ts"
import { shownAttribute, shownTerms } from "./dra-shown.ts"
import { nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validateNodeSelector } from "./scheduling.ts"

const MAX_DEVICES = 128
const MAX_DEVICES_WITH_TAINTS_OR_COUNTERS = 64
const MAX_ATTRIBUTES_AND_CAPACITIES = 32
const MAX_ATTRIBUTE_VALUE = 64
/** An attribute key's domain (63), a slash and its ID (32): longer keys are cut in field paths. */
const MAX_ATTRIBUTE_KEY = 96
const MAX_COUNTER_SETS = 8
const MAX_COUNTERS = 32
const MAX_CONSUMPTIONS = 2
const UNSET_OR_TRUE = "must be either unset or set to true"
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/

/** A DeviceClass; on update, selectors and configuration unchanged are taken as stored. */
export function validateDeviceClass(
  c: DeviceClass,
  old: DeviceClass | undefined,
  ctx: DraContext,
): FieldError[] {
  const errs = validateObjectMeta(c.metadata, { namespaced: false, name: nameIsDnsSubdomain })
  if (old) errs.push(...validateObjectMetaUpdate(c.metadata, old.metadata))
  const spec = c.spec ?? {}
  const selectorsStored = !!old && deepEqual(spec.selectors, old.spec?.selectors)
  errs.push(...validateSelectors(spec.selectors, "spec.selectors", ctx, selectorsStored))
  const configStored = !!old && deepEqual(spec.config, old.spec?.config)
  errs.push(
    ...validateList(spec.config, MAX_CONFIGS, "spec.config", (x, p) =>
      validateDeviceConfiguration(x, p, configStored),
    ),
  )
  return errs
}

function validateCounters(counters: Counters | undefined, field: string): FieldError[] {
  if (!counters || !Object.keys(counters).length) return [required(field, "")]
  // Any quantity the decoder took is a valid counter
  return validateMap(
    counters,
    { max: MAX_COUNTERS, keyLength: 63, key: validateDnsLabel, value: () => [] },
    field,
  )
}

function validateCounterSetName(name: string | undefined, field: string): FieldError[] {
  return name ? validateDnsLabel(name, field) : [required(field, "")]
}

function validateAttribute(a: DeviceAttribute, field: string): FieldError[] {
  const errs: FieldError[] = []
  let values = 0
  if (a.bool !== undefined && a.bool !== null) values++
  if (a.int !== undefined && a.int !== null) values++
  if (typeof a.string === "string") {
    values++
    if (a.string.length > MAX_ATTRIBUTE_VALUE) errs.push(tooLong(child(field, "string"), MAX_ATTRIBUTE_VALUE))
  }
  if (typeof a.version === "string") {
    values++
    if (!SEMVER.test(a.version))
      errs.push(
        invalidValue(
          child(field, "version"),
          a.version,
          "must be a string compatible with semver.org spec 2.0.0",
        ),
      )
    if (a.version.length > MAX_ATTRIBUTE_VALUE)
      errs.push(tooLong(child(field, "version"), MAX_ATTRIBUTE_VALUE))
  }
  if (values === 0) errs.push(invalidValue(field, "", "exactly one value must be specified"))
  else if (values > 1)
    errs.push(invalidShown(field, shownAttribute(a), "exactly one value must be specified"))
  return errs
}

function validateCapacity(c: DeviceCapacity, field: string): FieldError[] {
  // Consumable capacity (DRAConsumableCapacity, alpha) is off: a policy needs multiple allocations
  return c.requestPolicy
    ? [forbidden(child(field, "requestPolicy"), "allowMultipleAllocations must be true")]
    : []
}

const NODE_FIELDS_PER_DEVICE =
  "exactly one of `nodeName`, `nodeSelector`, or `allNodes` is required when `perDeviceNodeSelection` is set to true in the ResourceSlice spec"

function validateDeviceNode(d: Device, field: string, perDevice: boolean): FieldError[] {
  const errs: FieldError[] = []
  if (!perDevice) {
    if (d.nodeName != null || d.nodeSelector != null || d.allNodes != null)
      errs.push(
        invalidValue(
          field,
          null,
          "`nodeName`, `nodeSelector` and `allNodes` can only be set if `perDeviceNodeSelection` is set to true in the ResourceSlice spec",
        ),
      )
    return errs
  }
  const set: string[] = []
  if (d.nodeName != null) {
    if (d.nodeName) {
      set.push("`nodeName`")
      errs.push(...validateDnsSubdomain(d.nodeName, child(field, "nodeName")))
    } else errs.push(invalidValue(child(field, "nodeName"), "", "must not be empty"))
  }
  if (d.nodeSelector != null) {
    set.push("`nodeSelector`")
    errs.push(...validateNodeSelector(d.nodeSelector, child(field, "nodeSelector")))
  }
  if (d.allNodes != null) {
    if (d.allNodes) set.push("`allNodes`")
    else errs.push(invalidValue(child(field, "allNodes"), false, UNSET_OR_TRUE))
  }
  if (set.length === 0) errs.push(required(field, NODE_FIELDS_PER_DEVICE))
  else if (set.length > 1) errs.push(invalidValue(field, `{${set.join(", ")}}`, NODE_FIELDS_PER_DEVICE))
  return errs
}

function validateDevice(d: Device, field: string, old: Device | undefined, perDevice: boolean): FieldError[] {
  const errs = validateDnsLabel(d.name ?? "", child(field, "name"))
  const total = Object.keys(d.attributes ?? {}).length + Object.keys(d.capacity ?? {}).length
  if (total > MAX_ATTRIBUTES_AND_CAPACITIES)
    errs.push(
      invalidValue(
        field,
        total,
        `the total number of attributes and capacities must not exceed ${MAX_ATTRIBUTES_AND_CAPACITIES}`,
      ),
    )
  const keys = { max: -1, keyLength: MAX_ATTRIBUTE_KEY, key: validateQualifiedName }
  errs.push(...validateMap(d.attributes, { ...keys, value: validateAttribute }, child(field, "attributes")))
  errs.push(...validateMap(d.capacity, { ...keys, value: validateCapacity }, child(field, "capacity")))
  // Taints as stored are not checked again
  if (!old || !deepEqual(old.taints, d.taints))
    errs.push(...validateDeviceTaints(d.taints, child(field, "taints")))
  errs.push(
    ...validateSet(
      d.consumesCounters,
      MAX_CONSUMPTIONS,
      child(field, "consumesCounters"),
      (c, p) => [
        ...validateCounterSetName(c.counterSet, child(p, "counterSet")),
        ...validateCounters(c.counters, child(p, "counters")),
      ],
      (c) => c.counterSet ?? "",
    ),
  )
  errs.push(...validateDeviceNode(d, field, perDevice))
  errs.push(...validateBindingConditions(d.bindingConditions, d.bindingFailureConditions, field))
  return errs
}

const NODE_FIELDS =
  "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required"

/** Where a slice's devices are: exactly one of its four ways to say it. */
function validateSliceNode(spec: ResourceSliceSpec): FieldError[] {
  const errs: FieldError[] = []
  const set: string[] = []
  if (spec.nodeName != null) {
    if (spec.nodeName) {
      set.push("`nodeName`")
      errs.push(...validateDnsSubdomain(spec.nodeName, "spec.nodeName"))
    } else errs.push(invalidValue("spec.nodeName", "", "must be either unset or set to a non-empty string"))
  }
  if (spec.nodeSelector != null) {
    set.push("`nodeSelector`")
    errs.push(...validateNodeSelector(spec.nodeSelector, "spec.nodeSelector"))
    const terms = spec.nodeSelector.nodeSelectorTerms ?? []
    // One term keeps merging the selectors of devices from several slices simple
    if (terms.length !== 1)
      errs.push(
        invalidShown(
          "spec.nodeSelector.nodeSelectorTerms",
          shownTerms(terms),
          "must have exactly one node selector term",
        ),
      )
  }
  for (const k of ["allNodes", "perDeviceNodeSelection"] as const) {
    if (spec[k] == null) continue
    if (spec[k]) set.push(`\`${k}\``)
    else errs.push(invalidValue(`spec.${k}`, false, UNSET_OR_TRUE))
  }
  if (set.length === 0) errs.push(required("spec", NODE_FIELDS))
  else if (set.length > 1)
    errs.push(invalidValue("spec", `{${set.join(", ")}}`, `${NODE_FIELDS}, but multiple fields are set`))
  return errs
}

/** On update: that the pool's name, the driver and the node stayed. */
function validateImmutable(spec: ResourceSliceSpec, old: ResourceSliceSpec): FieldError[] {
  const errs: FieldError[] = []
  const name = spec.pool?.name ?? ""
  if (name !== (old.pool?.name ?? "")) errs.push(invalidValue("spec.pool.name", name, "field is immutable"))
  const driver = spec.driver ?? ""
  if (driver !== (old.driver ?? "")) errs.push(invalidValue("spec.driver", driver, "field is immutable"))
  const node = spec.nodeName ?? null
  if (node !== (old.nodeName ?? null)) errs.push(invalidValue("spec.nodeName", node, "field is immutable"))
  return errs
}

/** The driver and pool (on update also what may not change). */
function validateDriverAndPool(spec: ResourceSliceSpec, old: ResourceSliceSpec | undefined): FieldError[] {
  const errs = validateDriverName(spec.driver ?? "", "spec.driver")
  const pool = spec.pool ?? {}
  errs.push(...validatePoolName(pool.name, "spec.pool.name"))
  const count = pool.resourceSliceCount ?? 0
  if (count <= 0) errs.push(invalidValue("spec.pool.resourceSliceCount", count, "must be greater than zero"))
  if ((pool.generation ?? 0) < 0)
    errs.push(invalidValue("spec.pool.generation", pool.generation, "must be greater than or equal to zero"))
  if (old) errs.push(...validateImmutable(spec, old))
  return errs
}

function validateSliceSpec(spec: ResourceSliceSpec, old: ResourceSliceSpec | undefined): FieldError[] {
  const errs = validateDriverAndPool(spec, old)
  errs.push(...validateSliceNode(spec))
  if (spec.sharedCounters != null && spec.devices != null)
    errs.push(invalidValue("spec", "", "only one of `sharedCounters` or `devices` is allowed"))
  const devices = spec.devices ?? []
  const limited = devices.some((d) => d.taints?.length || d.consumesCounters?.length)
  const max = limited ? MAX_DEVICES_WITH_TAINTS_OR_COUNTERS : MAX_DEVICES
  const oldDevice = (name: string | undefined) => old?.devices?.find((d) => d.name === name)
  errs.push(
    ...validateSet(
      spec.devices,
      max,
      "spec.devices",
      (d, p) => validateDevice(d, p, oldDevice(d.name), spec.perDeviceNodeSelection === true),
      (d) => d.name ?? "",
    ),
  )
  errs.push(
    ...validateSet(
      spec.sharedCounters,
      MAX_COUNTER_SETS,
      "spec.sharedCounters",
      (c, p) => [
        ...validateCounterSetName(c.name, child(p, "name")),
        ...validateCounters(c.counters, child(p, "counters")),
      ],
      (c) => c.name ?? "",
    ),
  )
  return errs
}

/** A ResourceSlice; on update its metadata's changes and the immutable pool, driver and node. */
export function validateResourceSlice(s: ResourceSlice, old?: ResourceSlice): FieldError[] {
  const errs = old
    ? validateObjectMetaUpdate(s.metadata, old.metadata)
    : validateObjectMeta(s.metadata, { namespaced: false, name: nameIsDnsSubdomain })
  errs.push(...validateSliceSpec(s.spec ?? {}, old ? (old.spec ?? {}) : undefined))
  return errs
}

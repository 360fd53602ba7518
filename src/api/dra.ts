/**
 * The resource.k8s.io/v1 kinds of Dynamic Resource Allocation (types kubernetes-types 1.30
 * lacks): DeviceClasses (what kind of device a claim asks for), ResourceClaims and their
 * templates (the devices a pod needs, and once allocated which ones it got) and ResourceSlices
 * (the devices a driver publishes, pool by pool). Field names are upstream's JSON names.
 */
import type { NodeSelector } from "kubernetes-types/core/v1.js"
import type { Condition, ObjectMeta, Time } from "kubernetes-types/meta/v1.js"

/** A device selector: a CEL expression over `device`. */
export interface DeviceSelector {
  cel?: { expression?: string }
}

/** Opaque, driver-specific configuration. */
export interface OpaqueDeviceConfiguration {
  driver?: string
  parameters?: unknown
}

/** A configuration for devices: only opaque ones exist. */
export interface DeviceConfiguration {
  opaque?: OpaqueDeviceConfiguration
}

/** A toleration of a device taint. */
export interface DeviceToleration {
  key?: string
  operator?: string
  value?: string
  effect?: string
  tolerationSeconds?: number
}

/** Capacity a request wants of a device that can be allocated several times. */
export interface CapacityRequirements {
  requests?: Record<string, string | number>
}

/** The fields an exact request and each alternative of firstAvailable share. */
export interface DeviceRequestDetails {
  deviceClassName?: string
  selectors?: DeviceSelector[]
  allocationMode?: string
  count?: number
  tolerations?: DeviceToleration[]
  capacity?: CapacityRequirements
}

/** A request for devices of one class. */
export interface ExactDeviceRequest extends DeviceRequestDetails {
  adminAccess?: boolean
}

/** One alternative of a prioritized list. */
export interface DeviceSubRequest extends DeviceRequestDetails {
  name?: string
}

/** One named request: exactly one of `exactly` and `firstAvailable`. */
export interface DeviceRequest {
  name?: string
  exactly?: ExactDeviceRequest
  firstAvailable?: DeviceSubRequest[]
}

/** A constraint across the devices of several requests. */
export interface DeviceConstraint {
  requests?: string[]
  matchAttribute?: string
  distinctAttribute?: string
}

/** A configuration for some (or all) requests of a claim. */
export interface DeviceClaimConfiguration extends DeviceConfiguration {
  requests?: string[]
}

/** What a claim asks for. */
export interface DeviceClaim {
  requests?: DeviceRequest[]
  constraints?: DeviceConstraint[]
  config?: DeviceClaimConfiguration[]
}

/** The spec of a claim and of a claim template's claims. */
export interface ResourceClaimSpec {
  devices?: DeviceClaim
}

/** One device allocated for a request. */
export interface DeviceRequestAllocationResult {
  request?: string
  driver?: string
  pool?: string
  device?: string
  adminAccess?: boolean
  tolerations?: DeviceToleration[]
  bindingConditions?: string[]
  bindingFailureConditions?: string[]
  shareID?: string
  consumedCapacity?: Record<string, string | number>
}

/** A configuration that applies to an allocation, from the class or the claim. */
export interface DeviceAllocationConfiguration extends DeviceConfiguration {
  source?: string
  requests?: string[]
}

/** What was allocated. */
export interface AllocationResult {
  devices?: { results?: DeviceRequestAllocationResult[]; config?: DeviceAllocationConfiguration[] }
  nodeSelector?: NodeSelector
  allocationTimestamp?: Time
}

/** Who uses a claim (a pod, usually). */
export interface ResourceClaimConsumerReference {
  apiGroup?: string
  resource?: string
  name?: string
  uid?: string
}

/** What a driver reports of an allocated device. */
export interface AllocatedDeviceStatus {
  driver?: string
  pool?: string
  device?: string
  shareID?: string
  conditions?: Condition[]
  data?: unknown
  networkData?: { interfaceName?: string; ips?: string[]; hardwareAddress?: string }
}

/** The state of a claim: its allocation, who reserved it, and its devices' status. */
export interface ResourceClaimStatus {
  allocation?: AllocationResult
  reservedFor?: ResourceClaimConsumerReference[]
  devices?: AllocatedDeviceStatus[]
}

/** A request for devices, and what was allocated for it. */
export interface ResourceClaim {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  spec?: ResourceClaimSpec
  status?: ResourceClaimStatus
}

/** A template of the claims made for pods that reference it. */
export interface ResourceClaimTemplate {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  spec?: { metadata?: ObjectMeta; spec?: ResourceClaimSpec }
}

/** A kind of device: selectors every device of the class matches, and configuration. */
export interface DeviceClassSpec {
  selectors?: DeviceSelector[]
  config?: DeviceConfiguration[]
  extendedResourceName?: string
}

/** A class of devices claims ask for. */
export interface DeviceClass {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  spec?: DeviceClassSpec
}

/** An attribute of a device: exactly one typed value. */
export interface DeviceAttribute {
  int?: number
  bool?: boolean
  string?: string
  version?: string
}

/** A range of values a consumable capacity may be requested in. */
export interface CapacityRequestPolicyRange {
  min?: string | number
  max?: string | number
  step?: string | number
}

/** A capacity of a device, and how it may be consumed. */
export interface DeviceCapacity {
  value?: string | number
  requestPolicy?: {
    default?: string | number
    validValues?: (string | number)[]
    validRange?: CapacityRequestPolicyRange
  }
}

/** Named counters, each with a quantity. */
export type Counters = Record<string, { value?: string | number }>

/** A taint of a device. */
export interface DeviceTaint {
  key?: string
  value?: string
  effect?: string
  timeAdded?: Time
}

/** One device a driver publishes. */
export interface Device {
  name?: string
  attributes?: Record<string, DeviceAttribute>
  capacity?: Record<string, DeviceCapacity>
  consumesCounters?: { counterSet?: string; counters?: Counters }[]
  nodeName?: string
  nodeSelector?: NodeSelector
  allNodes?: boolean
  taints?: DeviceTaint[]
  bindsToNode?: boolean
  bindingConditions?: string[]
  bindingFailureConditions?: string[]
  allowMultipleAllocations?: boolean
}

/** The pool a slice belongs to. */
export interface ResourcePool {
  name?: string
  generation?: number
  resourceSliceCount?: number
}

/** What a slice publishes, and where its devices are reachable. */
export interface ResourceSliceSpec {
  driver?: string
  pool?: ResourcePool
  nodeName?: string
  nodeSelector?: NodeSelector
  allNodes?: boolean
  devices?: Device[]
  perDeviceNodeSelection?: boolean
  sharedCounters?: { name?: string; counters?: Counters }[]
}

/** A slice of a pool of devices a driver publishes. */
export interface ResourceSlice {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  spec?: ResourceSliceSpec
}

/** The namespace label that lets claims in it ask for admin access to devices. */
export const DRA_ADMIN_NAMESPACE_LABEL = "resource.kubernetes.io/admin-access"

/**
 * The networking.k8s.io/v1 ServiceCIDR and IPAddress (types kubernetes-types 1.30 lacks): the
 * ranges Service ClusterIPs come from, and one object per address in use, named by the address
 * and pointing at what holds it. The ClusterIP allocator's names, labels and finalizer are
 * upstream's, so tools that look for them find them.
 */
import type { Condition, ObjectMeta } from "kubernetes-types/meta/v1.js"

/** The ranges of a ServiceCIDR: one, or one of each family. */
export interface ServiceCIDRSpec {
  cidrs?: string[]
}

/** The observed state: a `Ready` condition. */
export interface ServiceCIDRStatus {
  conditions?: Condition[]
}

/** A range ClusterIPs are allocated from. */
export interface ServiceCIDR {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  spec?: ServiceCIDRSpec
  status?: ServiceCIDRStatus
}

/** What an IPAddress is attached to, by group, resource, namespace and name. */
export interface ParentReference {
  group?: string
  resource?: string
  namespace?: string
  name?: string
}

/** What an IPAddress holds. */
export interface IPAddressSpec {
  parentRef?: ParentReference
}

/** One address in use, named by the address in canonical form. */
export interface IPAddress {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  spec?: IPAddressSpec
}

/** The ServiceCIDR the API server makes from its service range. */
export const DEFAULT_SERVICE_CIDR_NAME = "kubernetes"
/** Keeps a ServiceCIDR while addresses only it contains are in use. */
export const SERVICE_CIDR_FINALIZER = "networking.k8s.io/service-cidr-finalizer"
/** The condition allocators look at. */
export const SERVICE_CIDR_READY = "Ready"
/** The Ready condition's reason while a deleted ServiceCIDR still holds addresses. */
export const SERVICE_CIDR_TERMINATING = "Terminating"
/** The family label of an IPAddress: "IPv4" or "IPv6". */
export const IP_FAMILY_LABEL = "ipaddress.kubernetes.io/ip-family"
/** Who manages an IPAddress. */
export const IP_MANAGED_BY_LABEL = "ipaddress.kubernetes.io/managed-by"
/** The ClusterIP allocator's name in IP_MANAGED_BY_LABEL. */
export const IP_ALLOCATOR = "ipallocator.k8s.io"

/** The Ready condition of a ServiceCIDR, if it has one. */
export function serviceCIDRCondition(cidr: ServiceCIDR): Condition | undefined {
  return cidr.status?.conditions?.find((c) => c.type === SERVICE_CIDR_READY)
}

/**
 * Whether allocators may take addresses from a ServiceCIDR: not being deleted, and Ready unless
 * its condition says otherwise (one without a condition counts as Ready, as upstream assumes when
 * no controller manager runs).
 */
export function isServiceCIDRUsable(cidr: ServiceCIDR): boolean {
  if (cidr.metadata?.deletionTimestamp) return false
  const ready = serviceCIDRCondition(cidr)
  return !ready || ready.status === "True"
}

/** True when the ClusterIP allocator made (and so manages) the IPAddress. */
export function isAllocatorIPAddress(ip: IPAddress): boolean {
  return ip.metadata?.labels?.[IP_MANAGED_BY_LABEL] === IP_ALLOCATOR
}

/** True when the IPAddress is held by the Service `namespace/name`. */
export function isHeldByService(ip: IPAddress, namespace: string, name: string): boolean {
  const ref = ip.spec?.parentRef
  return (
    !!ref &&
    (ref.group ?? "") === "" &&
    ref.resource === "services" &&
    (ref.namespace ?? "") === namespace &&
    ref.name === name
  )
}

/** The IPAddress the ClusterIP allocator writes for `ip` (canonical) held by a Service. */
export function serviceIPAddress(ip: string, service: { namespace: string; name: string }): IPAddress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "IPAddress",
    metadata: {
      name: ip,
      labels: {
        [IP_FAMILY_LABEL]: ip.includes(":") ? "IPv6" : "IPv4",
        [IP_MANAGED_BY_LABEL]: IP_ALLOCATOR,
      },
    },
    spec: {
      parentRef: { group: "", resource: "services", namespace: service.namespace, name: service.name },
    },
  }
}

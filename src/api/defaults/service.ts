/**
 * Defaults of Services, Endpoints, EndpointSlices and ServiceCIDRs (core/v1, discovery/v1 and
 * networking/v1 defaults.go),
 * plus the Service fields upstream's registry fills before allocating addresses: clusterIP and
 * clusterIPs kept in step, and a single-stack IPv4 family choice.
 */
import type { Endpoints, Service, ServiceSpec } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"

type Obj = Record<string, any>

/** The session affinity timeout upstream uses when ClientIP affinity gives none (3 hours). */
export const DEFAULT_CLIENT_IP_TIMEOUT = 10800

function externallyAccessible(spec: ServiceSpec): boolean {
  return (
    spec.type === "LoadBalancer" ||
    spec.type === "NodePort" ||
    (spec.type === "ClusterIP" && (spec.externalIPs ?? []).length > 0)
  )
}

function defaultIpFields(s: Obj): void {
  if (s.type === "ExternalName") return
  if (s.clusterIP && !(s.clusterIPs ?? []).length) s.clusterIPs = [s.clusterIP]
  else if (!s.clusterIP && (s.clusterIPs ?? []).length) s.clusterIP = s.clusterIPs[0]
  const headless = s.clusterIP === "None"
  // Headless services without a selector take whatever families the cluster has
  if (!s.ipFamilyPolicy)
    s.ipFamilyPolicy = headless && !Object.keys(s.selector ?? {}).length ? "RequireDualStack" : "SingleStack"
  if (!(s.ipFamilies ?? []).length) {
    const ips: string[] = (s.clusterIPs ?? []).filter((ip: string) => ip !== "None")
    s.ipFamilies = ips.length ? ips.map((ip) => (ip.includes(":") ? "IPv6" : "IPv4")) : ["IPv4"]
  }
}

function defaultPort(p: Obj): void {
  if (!p.protocol) p.protocol = "TCP"
  if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === "") {
    p.targetPort = p.port
  }
}

/** Service defaults. */
export function defaultService(svc: Service): void {
  const s = (svc.spec ??= {}) as Obj
  if (!s.sessionAffinity) s.sessionAffinity = "None"
  if (s.sessionAffinity === "None") delete s.sessionAffinityConfig
  if (s.sessionAffinity === "ClientIP" && s.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    s.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT } }
  }
  if (!s.type) s.type = "ClusterIP"
  for (const p of s.ports ?? []) defaultPort(p)
  if (externallyAccessible(s) && !s.externalTrafficPolicy) s.externalTrafficPolicy = "Cluster"
  if (!s.internalTrafficPolicy && ["NodePort", "LoadBalancer", "ClusterIP"].includes(s.type))
    s.internalTrafficPolicy = "Cluster"
  if (s.type === "LoadBalancer" && s.allocateLoadBalancerNodePorts === undefined)
    s.allocateLoadBalancerNodePorts = true
  if (s.type === "LoadBalancer") defaultIngressIpModes(svc.status?.loadBalancer?.ingress)
  defaultIpFields(s)
}

/** A load balancer's ingress points given by IP without an ipMode are VIPs (LoadBalancerIPMode, GA). */
function defaultIngressIpModes(ingress: Obj[] | undefined): void {
  for (const ing of ingress ?? [])
    if (ing.ip && (ing.ipMode === undefined || ing.ipMode === null)) ing.ipMode = "VIP"
}

/** Endpoints defaults: port protocols. */
export function defaultEndpoints(ep: Endpoints): void {
  for (const ss of ep.subsets ?? [])
    for (const p of ss.ports ?? []) if (!p.protocol) (p as Obj).protocol = "TCP"
}

/** EndpointSlice defaults: port names and protocols. */
export function defaultEndpointSlice(slice: EndpointSlice): void {
  for (const p of (slice.ports ?? []) as Obj[]) {
    if (p.name === undefined || p.name === null) p.name = ""
    if (!p.protocol) p.protocol = "TCP"
  }
}

/**
 * ServiceCIDR defaults: none upstream, but its Go struct always holds spec and status (struct
 * fields whose members are all omitempty), so its JSON writes `spec: {}` and `status: {}`, and
 * one created without status reads back with `status: {}` until the controller sets conditions.
 */
export function defaultServiceCIDR(cidr: Obj): void {
  cidr.spec ??= {}
  cidr.status ??= {}
}

/**
 * The resolver's view of the cluster: Services, their ready endpoints and the namespaces, indexed
 * by name and by address. Built from informer caches in one pass and replaced whole on a change,
 * so a lookup never sees half an update.
 */
import type { Namespace, Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { SERVICE_NAME_LABEL } from "../api/index.ts"

/** A port as DNS names it: `_<name>._<protocol>` (protocol lower case). */
export interface DnsPort {
  readonly name: string
  readonly protocol: string
  readonly port: number
}

/** A ready endpoint of a Service. */
export interface DnsEndpoint {
  readonly ip: string
  /** The label under the service name: the slice endpoint's hostname, else the dashed IP. */
  readonly hostname: string
  readonly ports: readonly DnsPort[]
}

/** What DNS knows of one Service. */
export interface DnsService {
  readonly name: string
  readonly namespace: string
  readonly kind: "ClusterIP" | "Headless" | "ExternalName"
  /** The IPv4 ClusterIPs (for kind ClusterIP). */
  readonly clusterIPs: readonly string[]
  readonly externalName?: string
  readonly ports: readonly DnsPort[]
  readonly endpoints: readonly DnsEndpoint[]
}

/** Everything `resolve` reads. Lower-case names throughout. */
export interface DnsView {
  /** The cluster domain without a final dot, e.g. "cluster.local". */
  readonly domain: string
  /** Services by "<name>.<namespace>". */
  readonly services: ReadonlyMap<string, DnsService>
  /** Namespaces that exist. */
  readonly namespaces: ReadonlySet<string>
  /** PTR targets (fully qualified, no final dot) by IPv4 address. */
  readonly reverse: ReadonlyMap<string, readonly string[]>
  /** The SOA serial: when the view last changed (Unix seconds), as CoreDNS reports it. */
  readonly serial: number
  /** The address clients reach a ClusterIP at (the unprivileged proxy's loopback mapping). */
  readonly serviceAddress?: (clusterIP: string) => string
  /** The address of this DNS server: `ns.dns.<domain>` and the apex's NS record. */
  readonly nameserver?: string
}

/** Options of buildView. */
export interface BuildViewOptions {
  readonly domain: string
  readonly serial?: number
  readonly serviceAddress?: (clusterIP: string) => string
  readonly nameserver?: string
}

/** The dashed form of an address, as a DNS label: 10.0.0.1 → 10-0-0-1. */
export function dashed(ip: string): string {
  return ip.replaceAll(".", "-").replaceAll(":", "-")
}

function isIPv4(ip: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip)
}

function kindOf(svc: Service): DnsService["kind"] {
  if (svc.spec?.type === "ExternalName") return "ExternalName"
  const ip = svc.spec?.clusterIP
  return !ip || ip === "None" ? "Headless" : "ClusterIP"
}

function endpointsOf(slices: readonly EndpointSlice[]): DnsEndpoint[] {
  const out: DnsEndpoint[] = []
  for (const slice of slices) {
    if (slice.addressType !== "IPv4") continue
    const ports = (slice.ports ?? []).map((p) => ({
      name: (p.name ?? "").toLowerCase(),
      protocol: (p.protocol ?? "TCP").toLowerCase(),
      port: p.port ?? 0,
    }))
    for (const ep of slice.endpoints ?? []) {
      // Only ready endpoints are served (an unset condition counts as ready, as upstream reads it).
      if (ep.conditions?.ready === false) continue
      for (const ip of ep.addresses ?? []) {
        out.push({ ip, hostname: (ep.hostname ?? dashed(ip)).toLowerCase(), ports })
      }
    }
  }
  return out
}

function serviceOf(svc: Service, slices: readonly EndpointSlice[]): DnsService {
  const kind = kindOf(svc)
  const spec = svc.spec ?? {}
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []
  return {
    name: (svc.metadata?.name ?? "").toLowerCase(),
    namespace: (svc.metadata?.namespace ?? "").toLowerCase(),
    kind,
    clusterIPs: kind === "ClusterIP" ? ips.filter(isIPv4) : [],
    ...(kind === "ExternalName" && spec.externalName
      ? { externalName: spec.externalName.toLowerCase().replace(/\.$/, "") }
      : {}),
    ports: (spec.ports ?? []).map((p) => ({
      name: (p.name ?? "").toLowerCase(),
      protocol: (p.protocol ?? "TCP").toLowerCase(),
      port: p.port,
    })),
    endpoints: kind === "ExternalName" ? [] : endpointsOf(slices),
  }
}

function addReverse(reverse: Map<string, string[]>, ip: string, name: string): void {
  const names = reverse.get(ip)
  if (!names) reverse.set(ip, [name])
  else if (!names.includes(name)) names.push(name)
}

/** Slices by "<service>.<namespace>" (lower case), from their kubernetes.io/service-name label. */
function slicesByService(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>()
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL]
    if (!svc) continue
    const key = `${svc}.${s.metadata?.namespace ?? ""}`.toLowerCase()
    out.set(key, [...(out.get(key) ?? []), s])
  }
  return out
}

/** Builds the view from the informers' current objects. */
export function buildView(
  objects: {
    readonly services: readonly Service[]
    readonly slices: readonly EndpointSlice[]
    readonly namespaces: readonly Namespace[]
  },
  opts: BuildViewOptions,
): DnsView {
  const domain = opts.domain.toLowerCase().replace(/\.$/, "")
  const slicesBySvc = slicesByService(objects.slices)
  const services = new Map<string, DnsService>()
  const clusterReverse = new Map<string, string[]>()
  const endpointReverse = new Map<string, string[]>()
  for (const svc of objects.services) {
    const key = `${svc.metadata?.name ?? ""}.${svc.metadata?.namespace ?? ""}`.toLowerCase()
    const record = serviceOf(svc, slicesBySvc.get(key) ?? [])
    services.set(key, record)
    const fqdn = `${key}.svc.${domain}`
    for (const ip of record.clusterIPs) {
      addReverse(clusterReverse, ip, fqdn)
      const mapped = opts.serviceAddress?.(ip)
      if (mapped && mapped !== ip) addReverse(clusterReverse, mapped, fqdn)
    }
    for (const ep of record.endpoints) addReverse(endpointReverse, ep.ip, `${ep.hostname}.${fqdn}`)
  }
  // A ClusterIP names its service alone; other addresses name every endpoint they are (CoreDNS).
  const reverse = new Map<string, readonly string[]>(endpointReverse)
  for (const [ip, names] of clusterReverse) reverse.set(ip, names.slice(0, 1))
  return {
    domain,
    services,
    namespaces: new Set(objects.namespaces.map((n) => (n.metadata?.name ?? "").toLowerCase())),
    reverse,
    serial: opts.serial ?? Math.floor(Date.now() / 1000),
    ...(opts.serviceAddress ? { serviceAddress: opts.serviceAddress } : {}),
    ...(opts.nameserver ? { nameserver: opts.nameserver } : {}),
  }
}

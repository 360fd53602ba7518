/** Printers of Services, Endpoints and EndpointSlices. */
import type { EndpointSubset, Endpoints, Service, ServicePort } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { DOCS } from "./descriptions.ts"
import { age, formatLabels, listWithMore, orNone } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, wide, type Printer } from "./types.ts"
import { joinHostPort } from "../../util/index.ts"

/** The distinct load-balancer ingress IPs (or hostnames), sorted. */
function loadBalancerAddresses(svc: Service): string[] {
  const set = new Set<string>()
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) set.add(ing.ip)
    else if (ing.hostname) set.add(ing.hostname)
  }
  return [...set].sort()
}

/** EXTERNAL-IP: external IPs, load-balancer addresses, `<pending>` or `<none>`. */
export function serviceExternalIP(svc: Service): string {
  const external = svc.spec?.externalIPs ?? []
  switch (svc.spec?.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return external.length > 0 ? external.join(",") : "<none>"
    case "LoadBalancer": {
      const all = [...loadBalancerAddresses(svc), ...external]
      return all.length > 0 ? all.join(",") : "<pending>"
    }
    case "ExternalName":
      return svc.spec?.externalName ?? ""
  }
  return "<unknown>"
}

/** PORT(S): `80/TCP`, `80:30080/TCP`, comma-joined; `<none>` when there are none. */
export function servicePorts(ports: readonly ServicePort[] | undefined): string {
  const s = (ports ?? [])
    .map((p) => {
      const proto = p.protocol ?? "TCP"
      return p.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`
    })
    .join(",")
  return s === "" ? "<none>" : s
}

/** Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR. */
export const servicePrinter: Printer<Service> = {
  columns: [
    NAME_COLUMN,
    column("Type", "string", DOCS.svcType),
    column("Cluster-IP", "string", DOCS.svcClusterIP),
    column("External-IP", "string", DOCS.svcExternalIPs),
    column("Port(s)", "string", DOCS.svcPorts),
    AGE_COLUMN,
    wide("Selector", DOCS.svcSelector),
  ],
  cells: (svc, { now }) => [
    svc.metadata?.name ?? "",
    svc.spec?.type ?? "ClusterIP",
    // clusterIP alone counts as clusterIPs[0], as upstream converts it
    svc.spec?.clusterIPs?.[0] ?? orNone(svc.spec?.clusterIP),
    serviceExternalIP(svc),
    servicePorts(svc.spec?.ports),
    age(svc, now),
    formatLabels(svc.spec?.selector),
  ],
}

/** Every address of a subset, once per port (or bare when it has no ports). */
function subsetEndpoints(ss: EndpointSubset): string[] {
  const addrs = (ss.addresses ?? []).map((a) => a.ip)
  if (!ss.ports || ss.ports.length === 0) return addrs
  return ss.ports.flatMap((p) => addrs.map((ip) => joinHostPort(ip, p.port)))
}

/** ENDPOINTS: up to three `ip:port`, then ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: Endpoints): string {
  if (!ep.subsets || ep.subsets.length === 0) return "<none>"
  const all = ep.subsets.flatMap(subsetEndpoints)
  const head = all.slice(0, 3).join(",")
  return all.length > 3 ? `${head} + ${all.length - 3} more...` : head
}

/** Endpoints: NAME ENDPOINTS AGE. */
export const endpointsPrinter: Printer<Endpoints> = {
  columns: [NAME_COLUMN, column("Endpoints", "string", DOCS.epSubsets), AGE_COLUMN],
  cells: (ep, { now }) => [ep.metadata?.name ?? "", formatEndpoints(ep), age(ep, now)],
}

/** EndpointSlices: NAME ADDRESSTYPE PORTS ENDPOINTS AGE. */
export const endpointSlicePrinter: Printer<EndpointSlice> = {
  columns: [
    NAME_COLUMN,
    column("AddressType", "string", DOCS.esAddressType),
    column("Ports", "string", DOCS.esPorts),
    column("Endpoints", "string", DOCS.esEndpoints),
    AGE_COLUMN,
  ],
  cells: (es, { now }) => [
    es.metadata?.name ?? "",
    es.addressType,
    listWithMore((es.ports ?? []).map((p) => (p.port != null ? String(p.port) : (p.name ?? "*")))),
    listWithMore((es.endpoints ?? []).flatMap((e) => e.addresses)),
    age(es, now),
  ],
}

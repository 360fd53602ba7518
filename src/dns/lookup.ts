/**
 * The names of the cluster domain (CoreDNS kubernetes plugin's schema): which hosts a name
 * inside the domain stands for, before the question's type picks records from them.
 */
import type { DnsPort, DnsService, DnsView } from "./view.ts"

/** One thing a name stands for: an address or an alias, with a port for SRV answers. */
export interface Host {
  /** The fully qualified name the host goes by (an SRV target), no final dot. */
  readonly name: string
  readonly ip?: string
  /** An alias target (ExternalName). */
  readonly cname?: string
  /** The port, -1 when there is none (an endpoint slice without ports). */
  readonly port: number
}

/** What a name inside the domain resolves to: hosts (none: the name exists without data) or NXDOMAIN. */
export type Lookup = readonly Host[] | "nxdomain"

interface Request {
  readonly namespace: string
  readonly service: string
  readonly endpoint?: string
  readonly port?: string
  readonly protocol?: string
}

const NO_PORT: DnsPort = { name: "", protocol: "", port: -1 }

function isWild(s: string | undefined): boolean {
  return s === undefined || s === "" || s === "*" || s === "any"
}

function matches(want: string | undefined, have: string): boolean {
  return isWild(want) || want === have
}

function matchesPort(r: Request, p: DnsPort): boolean {
  return matches(r.port, p.name) && matches(r.protocol, p.protocol)
}

function stripUnderscore(s: string): string {
  return s.startsWith("_") ? s.slice(1) : s
}

/** Splits `[endpoint.|_port._proto.]service.namespace` (labels before `.svc`), or undefined. */
function parseService(labels: readonly string[]): Request | undefined {
  const [namespace, service, ...rest] = [...labels].reverse()
  if (!namespace || !service) return undefined
  if (rest.length === 0) return { namespace, service }
  if (rest.length === 1) return { namespace, service, endpoint: rest[0]! }
  if (rest.length === 2) {
    return { namespace, service, protocol: stripUnderscore(rest[0]!), port: stripUnderscore(rest[1]!) }
  }
  return undefined
}

function endpointHosts(svc: DnsService, r: Request, fqdn: string): Host[] {
  const hosts: Host[] = []
  for (const ep of svc.endpoints) {
    if (r.endpoint !== undefined && r.endpoint !== ep.hostname) continue
    for (const p of ep.ports.length ? ep.ports : [NO_PORT]) {
      if (!matchesPort(r, p)) continue
      hosts.push({ name: `${ep.hostname}.${fqdn}`, ip: ep.ip, port: p.port })
    }
  }
  return hosts
}

function serviceHosts(svc: DnsService, r: Request, view: DnsView): Host[] {
  const fqdn = `${svc.name}.${svc.namespace}.svc.${view.domain}`
  if (svc.kind === "ExternalName") {
    // An alias has no endpoints to name.
    return r.endpoint === undefined && svc.externalName
      ? [{ name: fqdn, cname: svc.externalName, port: -1 }]
      : []
  }
  if (svc.kind === "Headless" || r.endpoint !== undefined) return endpointHosts(svc, r, fqdn)
  const hosts: Host[] = []
  for (const p of svc.ports) {
    if (!matchesPort(r, p)) continue
    for (const ip of svc.clusterIPs)
      hosts.push({ name: fqdn, ip: view.serviceAddress?.(ip) ?? ip, port: p.port })
  }
  return hosts
}

/** `<svc>.<ns>.svc`, `<endpoint>.<svc>.<ns>.svc` and `_<port>._<proto>.<svc>.<ns>.svc`. */
function lookupService(labels: readonly string[], view: DnsView): Lookup {
  if (labels.length === 0) return []
  if (labels.length === 1) return view.namespaces.has(labels[0]!) ? [] : "nxdomain"
  const r = parseService(labels)
  if (!r || !view.namespaces.has(r.namespace)) return "nxdomain"
  const svc = view.services.get(`${r.service}.${r.namespace}`)
  if (!svc) return "nxdomain"
  const hosts = serviceHosts(svc, r, view)
  return hosts.length ? hosts : "nxdomain"
}

/** The address a dashed pod label stands for: 10-244-0-5 → 10.244.0.5. */
function podAddress(label: string): string | undefined {
  const ip = label.replaceAll("-", ".")
  const parts = ip.split(".")
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined
  return ip
}

/** `<a-b-c-d>.<ns>.pod`, answered for any address in an existing namespace (CoreDNS `pods insecure`). */
function lookupPod(labels: readonly string[], view: DnsView): Lookup {
  if (labels.length === 0) return []
  const namespace = labels[labels.length - 1]!
  if (!view.namespaces.has(namespace)) return "nxdomain"
  if (labels.length === 1) return []
  const ip = labels.length === 2 ? podAddress(labels[0]!) : undefined
  if (!ip) return "nxdomain"
  return [{ name: `${labels[0]!}.${namespace}.pod.${view.domain}`, ip, port: -1 }]
}

/**
 * The hosts `labels` (the lower-case labels of a name in front of the cluster domain) stand for.
 * The domain itself and `svc`/`pod` exist without data; `ns.dns` is this server, when known.
 */
export function lookupInDomain(labels: readonly string[], view: DnsView): Lookup {
  if (labels.length === 0) return []
  const kind = labels[labels.length - 1]
  const rest = labels.slice(0, -1)
  if (kind === "svc") return lookupService(rest, view)
  if (kind === "pod") return lookupPod(rest, view)
  if (kind === "dns" && rest.length === 1 && rest[0] === "ns" && view.nameserver) {
    return [{ name: `ns.dns.${view.domain}`, ip: view.nameserver, port: -1 }]
  }
  return "nxdomain"
}

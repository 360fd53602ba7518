/**
 * A pod's /etc/resolv.conf, as upstream's kubelet computes its DNS config and the runtime writes
 * it: ClusterFirst pods ask the cluster DNS with the cluster search path and ndots:5; Default
 * (and ClusterFirst on the host network) pods get the node's resolver settings; None starts
 * empty; spec.dnsConfig is merged last. Nameservers are cut to 3, search domains to 32 (and
 * 2048 characters).
 */
import type { Pod } from "kubernetes-types/core/v1.js"

/** A resolver configuration. */
export interface DnsConfig {
  readonly nameservers: readonly string[]
  readonly searches: readonly string[]
  readonly options: readonly string[]
}

/** The most nameservers a resolv.conf may list (glibc's limit, upstream's). */
export const MAX_NAMESERVERS = 3
/** The most search domains a resolv.conf may list (upstream's limit). */
export const MAX_SEARCHES = 32
const MAX_SEARCH_CHARS = 2048

/** Parses a resolv.conf as upstream does (the last `search` line wins; a bare "." is dropped). */
export function parseResolvConf(text: string): DnsConfig {
  const nameservers: string[] = []
  let searches: string[] = []
  const options: string[] = []
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "")
    const fields = line.trim().split(/\s+/).filter(Boolean)
    const [key, ...rest] = fields
    if (key === "nameserver" && rest[0]) nameservers.push(rest[0])
    else if (key === "search") searches = rest.filter((s) => s !== ".").map((s) => s.replace(/\.$/, ""))
    else if (key === "options") options.push(...rest)
  }
  return { nameservers, searches, options }
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)]
}

/** Merges options by name; later ones (the pod's) win. */
function mergeOptions(
  base: readonly string[],
  extra: readonly { name?: string; value?: string }[],
): string[] {
  const map = new Map<string, string>()
  for (const op of base) {
    const i = op.indexOf(":")
    if (i >= 0) map.set(op.slice(0, i), op.slice(i + 1))
    else map.set(op, "")
  }
  for (const op of extra) map.set(op.name ?? "", op.value ?? "")
  return [...map].map(([k, v]) => (v ? `${k}:${v}` : k))
}

/** Which base configuration a pod's dnsPolicy picks. */
export function dnsTypeOf(pod: Pod): "None" | "Cluster" | "Host" {
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst"
  if (policy === "None") return "None"
  if (policy === "ClusterFirstWithHostNet") return "Cluster"
  if (policy === "Default") return "Host"
  return pod.spec?.hostNetwork ? "Host" : "Cluster"
}

/** Options of podDnsConfig. */
export interface PodDnsOptions {
  /** The cluster DNS addresses (empty: ClusterFirst falls back to Default, as upstream). */
  readonly clusterDNS: readonly string[]
  readonly clusterDomain: string
  /** The node's resolver settings (its parsed /etc/resolv.conf). */
  readonly host: DnsConfig
}

function clusterSearches(pod: Pod, opts: PodDnsOptions): string[] {
  const d = opts.clusterDomain
  if (!d) return [...opts.host.searches]
  const ns = pod.metadata?.namespace ?? "default"
  return unique([`${ns}.svc.${d}`, `svc.${d}`, d, ...opts.host.searches])
}

/** Upstream's longest search domain (a DNS subdomain). */
const MAX_DOMAIN = 253

/** Search domains within the resolver's limits, and whether some were dropped. */
function fitSearches(list: readonly string[]): { searches: string[]; cut: boolean } {
  let cut = list.length > MAX_SEARCHES
  const kept = list.slice(0, MAX_SEARCHES).filter((d) => d.length <= MAX_DOMAIN)
  if (kept.length < Math.min(list.length, MAX_SEARCHES)) cut = true
  while (kept.join(" ").length > MAX_SEARCH_CHARS) {
    kept.pop()
    cut = true
  }
  return { searches: kept, cut }
}

/** A resolver configuration within the resolver's limits, with upstream's warnings when cut. */
function fitLimits(c: DnsConfig): { config: DnsConfig; warnings: string[] } {
  const warnings: string[] = []
  const { searches, cut } = fitSearches(c.searches)
  if (cut)
    warnings.push(
      `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(" ")}`,
    )
  const nameservers = c.nameservers.slice(0, MAX_NAMESERVERS)
  if (c.nameservers.length > MAX_NAMESERVERS)
    warnings.push(
      `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${nameservers.join(" ")}`,
    )
  return { config: { nameservers, searches, options: c.options }, warnings }
}

/**
 * The pod's resolver configuration, with the DNSConfigForming warnings upstream records when
 * it had to drop nameservers or search domains.
 */
export function podDnsConfig(pod: Pod, opts: PodDnsOptions): { config: DnsConfig; warnings: string[] } {
  const type = dnsTypeOf(pod)
  let base: DnsConfig
  if (type === "None") base = { nameservers: [], searches: [], options: [] }
  else if (type === "Cluster" && opts.clusterDNS.length)
    base = { nameservers: [...opts.clusterDNS], searches: clusterSearches(pod, opts), options: ["ndots:5"] }
  else base = opts.host
  const extra = pod.spec?.dnsConfig
  if (extra)
    base = {
      nameservers: unique([...base.nameservers, ...(extra.nameservers ?? [])]),
      searches: unique([...base.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(base.options, extra.options ?? []),
    }
  return fitLimits(base)
}

/** The file as the runtime writes it: search, nameserver and options lines. */
export function formatResolvConf(c: DnsConfig): string {
  let out = ""
  if (c.searches.length) out += `search ${c.searches.join(" ")}\n`
  for (const ns of c.nameservers) out += `nameserver ${ns}\n`
  if (c.options.length) out += `options ${c.options.join(" ")}\n`
  return out
}

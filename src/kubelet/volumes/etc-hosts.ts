/**
 * The /etc/hosts the kubelet writes for a pod, as upstream does: a managed file (localhost
 * lines, the pod's IPs with its hostname, or FQDN `<hostname>.<subdomain>.<ns>.svc.<domain>`
 * when it has a subdomain, then hostAliases); for hostNetwork pods, the node's own file under a
 * header, with the hostAliases appended.
 */
import type { HostAlias, Pod } from "kubernetes-types/core/v1.js"

const MANAGED_HEADER = "# Kubernetes-managed hosts file.\n"
const HOST_NETWORK_HEADER = "# Kubernetes-managed hosts file (host network).\n"

/** Upstream's hostname limit: a DNS label. */
const MAX_HOSTNAME = 63

/**
 * The pod's hostname (spec.hostname, else its name, cut to 63 characters) and domain
 * (`<subdomain>.<ns>.svc.<clusterDomain>`, empty without a subdomain).
 */
export function podHostnameAndDomain(pod: Pod, clusterDomain: string): { hostname: string; domain: string } {
  let hostname = pod.spec?.hostname || pod.metadata?.name || ""
  if (hostname.length > MAX_HOSTNAME) hostname = hostname.slice(0, MAX_HOSTNAME).replace(/[-.]+$/, "")
  const sub = pod.spec?.subdomain
  const domain = sub ? `${sub}.${pod.metadata?.namespace ?? "default"}.svc.${clusterDomain}` : ""
  return { hostname, domain }
}

function aliasLines(aliases: readonly HostAlias[] | undefined): string {
  if (!aliases?.length) return ""
  const lines = aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join("\t")}\n`)
  return `\n# Entries added by HostAliases.\n${lines.join("")}`
}

/** Options of managedHosts. */
export interface ManagedHostsOptions {
  readonly podIPs: readonly string[]
  readonly hostname: string
  /** The pod's domain (empty: none). */
  readonly domain: string
  readonly hostAliases?: readonly HostAlias[]
}

/** The managed hosts file of a pod on the pod network. */
export function managedHosts(opts: ManagedHostsOptions): string {
  let out = MANAGED_HEADER
  out += "127.0.0.1\tlocalhost\n"
  out += "::1\tlocalhost ip6-localhost ip6-loopback\n"
  out += "fe00::0\tip6-localnet\n"
  out += "fe00::0\tip6-mcastprefix\n"
  out += "fe00::1\tip6-allnodes\n"
  out += "fe00::2\tip6-allrouters\n"
  for (const ip of opts.podIPs) {
    out += opts.domain
      ? `${ip}\t${opts.hostname}.${opts.domain}\t${opts.hostname}\n`
      : `${ip}\t${opts.hostname}\n`
  }
  return out + aliasLines(opts.hostAliases)
}

/** The hosts file of a hostNetwork pod: the node's `nodeHosts` under a header, plus hostAliases. */
export function hostNetworkHosts(nodeHosts: string, hostAliases?: readonly HostAlias[]): string {
  return HOST_NETWORK_HEADER + nodeHosts + aliasLines(hostAliases)
}

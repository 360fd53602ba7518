/**
 * The files the kubelet itself shows in every container: /etc/hosts (managed, or the node's for
 * hostNetwork pods), /etc/resolv.conf (per dnsPolicy) and the termination-message file at
 * terminationMessagePath (a fresh empty file per container start, as upstream). A container
 * that mounts a volume at one of these paths keeps its own.
 */
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { readFileSync } from "node:fs"
import { mkdir, open, readFile } from "node:fs/promises"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { ContainerConfigError } from "../env.ts"
import type { Mount } from "../runtime/runtime.ts"
import { hostNetworkHosts, managedHosts, podHostnameAndDomain } from "./etc-hosts.ts"
import { podContainerDir, podDir } from "./paths.ts"
import { type DnsConfig, formatResolvConf, parseResolvConf, podDnsConfig } from "./resolv-conf.ts"

/** How the node resolves names and where its files are. */
export interface NodeDnsOptions {
  /** The cluster DNS addresses (the kube-dns Service's ClusterIP). */
  readonly clusterDNS: readonly string[]
  readonly clusterDomain: string
  /** The node's resolv.conf (upstream's --resolv-conf; default /etc/resolv.conf). */
  readonly resolvConf: string
  /** The node's hosts file (default /etc/hosts). */
  readonly hostsFile: string
}

/** What managedFiles made. */
export interface ManagedFiles {
  readonly mounts: Mount[]
  /** The termination-message file on the node, when one is mounted. */
  readonly terminationPath?: string
  /** Why the pod's resolver configuration was cut (DNSConfigForming events). */
  readonly dnsWarnings: readonly string[]
}

/** The node's resolver settings (none when its resolv.conf cannot be read). */
export function nodeDnsConfig(path: string): DnsConfig {
  try {
    return parseResolvConf(readFileSync(path, "utf8"))
  } catch {
    return { nameservers: [], searches: [], options: [] }
  }
}

/**
 * Writes a file readable by all (whatever the umask): its mode is set while it is written, in
 * three round trips to the file system threads instead of four (many containers start at once).
 */
async function writePublic(path: string, text: string, mode = 0o644): Promise<void> {
  const file = await open(path, "w", mode)
  try {
    await Promise.all([text ? file.writeFile(text) : undefined, file.chmod(mode)])
  } finally {
    await file.close()
  }
}

async function writeHosts(
  root: string,
  pod: Pod,
  podIPs: readonly string[],
  dns: NodeDnsOptions,
): Promise<string> {
  const path = join(podDir(root, pod.metadata?.uid ?? ""), "etc-hosts")
  let text: string
  if (pod.spec?.hostNetwork) {
    try {
      text = hostNetworkHosts(await readFile(dns.hostsFile, "utf8"), pod.spec.hostAliases)
    } catch (err) {
      throw new ContainerConfigError(`failed to read ${dns.hostsFile}: ${(err as Error).message}`)
    }
  } else {
    const { hostname, domain } = podHostnameAndDomain(pod, dns.clusterDomain)
    text = managedHosts({
      podIPs,
      hostname,
      domain,
      ...(pod.spec?.hostAliases ? { hostAliases: pod.spec.hostAliases } : {}),
    })
  }
  await writePublic(path, text)
  return path
}

async function writeResolvConf(
  root: string,
  pod: Pod,
  dns: NodeDnsOptions,
): Promise<{ path: string; warnings: string[] }> {
  const path = join(podDir(root, pod.metadata?.uid ?? ""), "resolv.conf")
  const { config, warnings } = podDnsConfig(pod, { ...dns, host: nodeDnsConfig(dns.resolvConf) })
  await writePublic(path, formatResolvConf(config))
  return { path, warnings }
}

/** A fresh, empty, world-writable termination-message file for one start of `c`. */
async function newTerminationFile(root: string, pod: Pod, c: Container): Promise<string> {
  const dir = podContainerDir(root, pod.metadata?.uid ?? "", c.name)
  const path = join(dir, randomBytes(4).toString("hex"))
  await writePublic(path, "", 0o666)
  return path
}

/** Options of managedFiles. */
export interface ManagedFilesOptions {
  readonly root: string
  readonly podIPs: readonly string[]
  readonly dns: NodeDnsOptions
  /** The container's volume mounts (a path they cover is left to them). */
  readonly volumeMounts: readonly Mount[]
}

/** Writes the kubelet-managed files of one start of `c` (off the event loop) and returns their mounts. */
export async function managedFiles(pod: Pod, c: Container, opts: ManagedFilesOptions): Promise<ManagedFiles> {
  const taken = new Set(opts.volumeMounts.map((m) => m.containerPath))
  const uid = pod.metadata?.uid ?? ""
  const messagePath = c.terminationMessagePath ?? "/dev/termination-log"
  // The pod's folder, with the container's where its termination-message files go.
  await mkdir(messagePath ? podContainerDir(opts.root, uid, c.name) : podDir(opts.root, uid), {
    recursive: true,
  })
  const [hosts, resolv, terminationPath] = await Promise.all([
    opts.podIPs.length && !taken.has("/etc/hosts")
      ? writeHosts(opts.root, pod, opts.podIPs, opts.dns)
      : undefined,
    taken.has("/etc/resolv.conf") ? undefined : writeResolvConf(opts.root, pod, opts.dns),
    messagePath ? newTerminationFile(opts.root, pod, c) : undefined,
  ])
  const mounts: Mount[] = []
  if (hosts) mounts.push({ hostPath: hosts, containerPath: "/etc/hosts", readOnly: false })
  if (resolv) mounts.push({ hostPath: resolv.path, containerPath: "/etc/resolv.conf", readOnly: false })
  const dnsWarnings = resolv?.warnings ?? []
  if (!terminationPath) return { mounts, dnsWarnings }
  mounts.push({ hostPath: terminationPath, containerPath: messagePath, readOnly: false })
  return { mounts, terminationPath, dnsWarnings }
}

/**
 * One pass of upstream's ipallocator repair controller: every Service's ClusterIP has an
 * IPAddress pointing back at it (a crash between the two writes, data written before IPAddresses
 * existed, or a hand-edited IPAddress is repaired), and no IPAddress the allocator made outlives
 * the Service that held it. Problems are logged with upstream's event reasons.
 */
import {
  ApiError,
  type IPAddress,
  IP_FAMILY_LABEL,
  isAllocatorIPAddress,
  isHeldByService,
  serviceIPAddress,
} from "../api/index.ts"
import {
  type Clock,
  formatIp,
  type IpPrefix,
  type Logger,
  parseIp,
  parsePrefix,
  prefixContains,
} from "../util/index.ts"
import type { IPAddressApi } from "./ip-address-api.ts"

/** What repair reads of a Service. */
export interface RepairService {
  readonly metadata?: { readonly namespace?: string; readonly name?: string }
  readonly spec?: { readonly clusterIP?: string; readonly clusterIPs?: readonly string[] }
}

/** What a repair pass works with. */
export interface RepairDeps {
  readonly api: IPAddressApi
  readonly clock: Clock
  readonly log: Logger
}

/**
 * How long an IPAddress may exist without a Service holding it: a Service is written after its
 * address is created, so a young orphan may just be a write in flight (upstream's 60 seconds).
 */
const GRACE_MS = 60_000

function keyOf(svc: RepairService): string {
  return `${svc.metadata?.namespace ?? ""}/${svc.metadata?.name ?? ""}`
}

/** The ClusterIPs a Service holds (canonical), none when headless or ExternalName. */
function clusterIPsOf(svc: RepairService): string[] {
  const spec = svc.spec ?? {}
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []
  return ips.filter((ip) => ip && ip !== "None")
}

function hasAllocatorLabels(ip: IPAddress): boolean {
  const family = ip.metadata?.name?.includes(":") ? "IPv6" : "IPv4"
  return ip.metadata?.labels?.[IP_FAMILY_LABEL] === family && isAllocatorIPAddress(ip)
}

function isServiceRef(ip: IPAddress): boolean {
  const ref = ip.spec?.parentRef
  return !!ref && (ref.group ?? "") === "" && ref.resource === "services"
}

async function createIgnoringExists(api: IPAddressApi, ip: IPAddress): Promise<void> {
  await api.create(ip).catch((err: unknown) => {
    if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
  })
}

/** One pass over the Services (their ClusterIPs), then over the allocator's IPAddresses. */
export async function repairClusterIPs(services: Iterable<RepairService>, d: RepairDeps): Promise<void> {
  const byKey = new Map<string, RepairService>()
  for (const svc of services) byKey.set(keyOf(svc), svc)
  const prefixes: IpPrefix[] = [...d.api.serviceCIDRs()].flatMap((c) =>
    (c.spec?.cidrs ?? []).flatMap((t) => parsePrefix(t, { sloppy: true }) ?? []),
  )
  for (const svc of byKey.values()) {
    for (const ip of clusterIPsOf(svc)) await repairService(svc, ip, { ...d, byKey, prefixes })
  }
  const now = d.clock.now()
  for (const ip of [...d.api.ipAddresses()]) {
    if (!isAllocatorIPAddress(ip)) continue
    const reason = orphanReason(ip, byKey, now)
    if (!reason) continue
    d.log.warn({ ipAddress: ip.metadata?.name, reason }, "Deleting an IPAddress no Service holds")
    await d.api.delete(ip.metadata?.name ?? "", ip.metadata?.uid ?? "")
  }
}

/** Why the allocator's IPAddress should go (upstream's event reason), if it should. */
function orphanReason(
  ip: IPAddress,
  byKey: ReadonlyMap<string, RepairService>,
  now: number,
): string | undefined {
  if (!isServiceRef(ip)) return "IPAddressNotAllocated"
  const ref = ip.spec?.parentRef ?? {}
  const svc = byKey.get(`${ref.namespace ?? ""}/${ref.name ?? ""}`)
  if (svc && clusterIPsOf(svc).includes(ip.metadata?.name ?? "")) return undefined
  // A young one may belong to a write in flight (the Service is written after its address)
  const created = Date.parse(ip.metadata?.creationTimestamp ?? "")
  if (Number.isFinite(created) && now - created <= GRACE_MS) return undefined
  return svc ? "IPAddressWrongReference" : "IPAddressNotAllocated"
}

async function repairService(
  svc: RepairService,
  clusterIP: string,
  d: RepairDeps & {
    byKey: ReadonlyMap<string, RepairService>
    prefixes: readonly IpPrefix[]
  },
): Promise<void> {
  const key = keyOf(svc)
  const addr = parseIp(clusterIP, { sloppy: true })
  if (!addr) return // validation keeps these out
  const name = formatIp(addr)
  if (!d.prefixes.some((p) => prefixContains(p, addr))) {
    d.log.warn(
      { service: key, clusterIP: name, reason: "ClusterIPOutOfRange" },
      "ClusterIP is in no ServiceCIDR",
    )
    return
  }
  const holder = { namespace: svc.metadata?.namespace ?? "", name: svc.metadata?.name ?? "" }
  const cur = d.api.cached(name)
  if (!cur) {
    d.log.warn(
      { service: key, clusterIP: name, reason: "ClusterIPNotAllocated" },
      "ClusterIP not allocated: repairing",
    )
    await createIgnoringExists(d.api, serviceIPAddress(name, holder))
    return
  }
  if (isHeldByService(cur, holder.namespace, holder.name)) {
    if (!hasAllocatorLabels(cur)) await recreate(d.api, cur, holder)
    return
  }
  const ref = cur.spec?.parentRef ?? {}
  const other = isServiceRef(cur) ? d.byKey.get(`${ref.namespace ?? ""}/${ref.name ?? ""}`) : undefined
  if (!other) {
    d.log.warn(
      { service: key, clusterIP: name, reason: "ClusterIPNotAllocated" },
      "ClusterIP has a wrong reference: repairing",
    )
    await recreate(d.api, cur, holder)
  } else if (clusterIPsOf(other).includes(name)) {
    d.log.warn(
      { service: key, other: keyOf(other), clusterIP: name, reason: "ClusterIPAlreadyAllocated" },
      "ClusterIP was assigned to multiple services",
    )
  }
}

async function recreate(api: IPAddressApi, cur: IPAddress, holder: { namespace: string; name: string }) {
  await api.delete(cur.metadata?.name ?? "", cur.metadata?.uid ?? "")
  await createIgnoringExists(api, serviceIPAddress(cur.metadata?.name ?? "", holder))
}

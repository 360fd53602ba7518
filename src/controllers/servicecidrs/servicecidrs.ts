/**
 * The ServiceCIDR controller (upstream's service-cidr-controller): every live ServiceCIDR gets
 * the networking.k8s.io/service-cidr-finalizer and a Ready condition; a deleted one keeps its
 * finalizer (Ready False, reason Terminating) while an address the allocator gave from it is in
 * use and no other ServiceCIDR contains it, then lets go once deletion had time to reach the
 * allocators.
 */
import type { Condition } from "kubernetes-types/meta/v1.js"
import {
  type ApiObject,
  type IPAddress,
  IP_FAMILY_LABEL,
  IPAddresses,
  isAllocatorIPAddress,
  SERVICE_CIDR_FINALIZER,
  SERVICE_CIDR_READY,
  SERVICE_CIDR_TERMINATING,
  type ServiceCIDR,
  serviceCIDRCondition,
  ServiceCIDRs,
} from "../../api/index.ts"
import type { Cache, Client, ControllerSpec } from "../../client/index.ts"
import {
  type IpAddr,
  type IpPrefix,
  parseIp,
  parsePrefix,
  prefixContains,
  prefixContainsPrefix,
  prefixesOverlap,
  rfc3339,
} from "../../util/index.ts"

type Cidr = ServiceCIDR & ApiObject

/**
 * How long a deleted ServiceCIDR keeps its finalizer once nothing holds it, so every allocator
 * has seen the deletion before it goes (upstream's deletionGracePeriod).
 */
const DELETION_GRACE_MS = 10_000
const READY_MESSAGE = "Kubernetes Service CIDR is ready"
const TERMINATING_MESSAGE =
  "There are still IPAddresses referencing the ServiceCIDR, please remove them or create a new ServiceCIDR"

function prefixesOf(c: ServiceCIDR): IpPrefix[] {
  return (c.spec?.cidrs ?? []).flatMap((t) => parsePrefix(t, { sloppy: true }) ?? [])
}

/** The ServiceCIDRs with a CIDR containing the address. */
function containingAddress(cidrs: readonly Cidr[], addr: IpAddr): Cidr[] {
  return cidrs.filter((c) => prefixesOf(c).some((p) => prefixContains(p, addr)))
}

/** The names of the ServiceCIDRs whose deletion an allocator IPAddress may block or unblock. */
function containingIPAddress(cidrs: readonly Cidr[], ip: IPAddress): string[] {
  if (!isAllocatorIPAddress(ip)) return []
  const addr = parseIp(ip.metadata?.name ?? "")
  return addr ? containingAddress(cidrs, addr).map((c) => c.metadata?.name ?? "") : []
}

/** The names of the ServiceCIDRs overlapping one of `cidr`'s CIDRs (itself included). */
function overlapping(cidrs: readonly Cidr[], cidr: ServiceCIDR): string[] {
  const own = prefixesOf(cidr)
  return cidrs
    .filter((c) => prefixesOf(c).some((p) => own.some((o) => prefixesOverlap(p, o))))
    .map((c) => c.metadata?.name ?? "")
}

/**
 * Whether deleting `cidr` leaves no address orphaned: each of its CIDRs lies within another
 * ServiceCIDR, or no allocator address of its families is contained by it alone.
 */
export function canDeleteServiceCIDR(
  cidr: ServiceCIDR,
  cidrs: readonly Cidr[],
  ips: readonly IPAddress[],
): boolean {
  const name = cidr.metadata?.name
  const own = prefixesOf(cidr)
  const hasParent = own.every((p) =>
    cidrs.some((c) => c.metadata?.name !== name && prefixesOf(c).some((q) => prefixContainsPrefix(q, p))),
  )
  if (hasParent) return true
  const families = new Set<string>(own.map((p) => (p.addr.family === 4 ? "IPv4" : "IPv6")))
  for (const ip of ips) {
    if (!isAllocatorIPAddress(ip) || !families.has(ip.metadata?.labels?.[IP_FAMILY_LABEL] ?? "")) continue
    const addr = parseIp(ip.metadata?.name ?? "")
    if (!addr) continue
    const holders = containingAddress(cidrs, addr)
    if (holders.length === 1 && holders[0]?.metadata?.name === name) return false
  }
  return true
}

/** `cidr` with its Ready condition as given, or undefined when it has it already. */
function withReady(cidr: Cidr, want: Omit<Condition, "lastTransitionTime">, now: string): Cidr | undefined {
  const cur = serviceCIDRCondition(cidr)
  if (cur && cur.status === want.status && cur.reason === want.reason && cur.message === want.message) {
    return undefined
  }
  // The transition time moves only when the status does
  const lastTransitionTime = cur && cur.status === want.status ? cur.lastTransitionTime : now
  const others = (cidr.status?.conditions ?? []).filter((c) => c.type !== SERVICE_CIDR_READY)
  return { ...cidr, status: { ...cidr.status, conditions: [...others, { ...want, lastTransitionTime }] } }
}

async function setFinalizer(client: Client, cidr: Cidr, present: boolean): Promise<void> {
  const others = (cidr.metadata?.finalizers ?? []).filter((f) => f !== SERVICE_CIDR_FINALIZER)
  const finalizers = present ? [...others, SERVICE_CIDR_FINALIZER] : others
  await client.resource(ServiceCIDRs).update({ ...cidr, metadata: { ...cidr.metadata, finalizers } })
}

/** Builds the service-cidr-controller. */
export function serviceCIDRController(): ControllerSpec {
  let cidrCache: Cache<Cidr> | undefined
  const all = () => cidrCache?.list() ?? []
  return {
    name: "service-cidr-controller",
    for: ServiceCIDRs,
    watches: [
      // A new range may unblock the deletion of the ones it contains
      { ref: ServiceCIDRs, map: (c) => overlapping(all(), c as Cidr), events: ["add"] },
      {
        ref: IPAddresses,
        map: (ip) => containingIPAddress(all(), ip as IPAddress),
        events: ["add", "delete"],
      },
    ],
    create({ client, informers, clock }) {
      cidrCache = informers.get<Cidr>(ServiceCIDRs).cache
      const ipCache = informers.get<IPAddress & ApiObject>(IPAddresses).cache
      return {
        async reconcile(key) {
          const cidr = cidrCache?.get(key)
          if (!cidr) return // gone
          const now = rfc3339(clock.now())
          const hasFinalizer = cidr.metadata?.finalizers?.includes(SERVICE_CIDR_FINALIZER) ?? false
          const deleted = cidr.metadata?.deletionTimestamp
          if (!deleted) {
            if (!hasFinalizer) return setFinalizer(client, cidr, true) // its update brings it back here
            const next = withReady(
              cidr,
              { type: SERVICE_CIDR_READY, status: "True", reason: "", message: READY_MESSAGE },
              now,
            )
            if (next) await client.resource(ServiceCIDRs).updateStatus(next)
            return
          }
          if (!canDeleteServiceCIDR(cidr, all(), ipCache.list())) {
            // Re-checked when an IPAddress or ServiceCIDR around it changes
            const next = withReady(
              cidr,
              {
                type: SERVICE_CIDR_READY,
                status: "False",
                reason: SERVICE_CIDR_TERMINATING,
                message: TERMINATING_MESSAGE,
              },
              now,
            )
            if (next) await client.resource(ServiceCIDRs).updateStatus(next)
            return
          }
          const wait = DELETION_GRACE_MS - (clock.now() - Date.parse(deleted))
          if (wait > 0) return { requeueAfterMs: wait }
          if (hasFinalizer) await setFinalizer(client, cidr, false)
        },
      }
    },
  }
}

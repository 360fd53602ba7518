/**
 * Service ClusterIPs as upstream's ServiceCIDR allocator (MultiCIDRServiceAllocator) hands them
 * out: an address is held by an IPAddress object named by it, created through the API before the
 * Service is written (so two Services can never get one address, and an IPAddress a user created
 * reserves it), taken from a usable ServiceCIDR, and deleted once its Service lets it go.
 * Addresses come only from the part of each ServiceCIDR inside this server's service range: the
 * range its proxy serves and its routes fence.
 */
import { ApiError, isHeldByService, isServiceCIDRUsable, serviceIPAddress } from "../api/index.ts"
import {
  type Cidr,
  type Clock,
  formatIp,
  formatPrefix,
  type IpPrefix,
  type Logger,
  parseIp,
  parsePrefix,
  prefixBounds,
  prefixContains,
  prefixesOverlap,
} from "../util/index.ts"
import { repairClusterIPs, type RepairService } from "./cluster-ips-repair.ts"
import type { IPAddressApi } from "./ip-address-api.ts"

/** Who holds an address: a Service's namespace and name. */
export interface ServiceKey {
  readonly namespace: string
  readonly name: string
}

/** The outcome of asking for an address: the one given, or why not (upstream's allocator errors). */
export type Allocation = { readonly ip: string } | { readonly error: string }

/** Upstream's static band (KEP-3070): min(max(16, size/16), 256) addresses kept for requests. */
function rangeOffset(p: IpPrefix): bigint {
  const size = 1n << BigInt(32 - p.bits)
  if (size <= 16n) return 0n
  const offset = size / 16n
  return offset < 16n ? 16n : offset > 256n ? 256n : offset
}

/** The addresses of an IPv4 prefix that may be handed out: all but the network and broadcast ones. */
function usable(p: IpPrefix): { first: bigint; last: bigint } {
  const { first, last } = prefixBounds(p)
  return { first: first + 1n, last: last - 1n }
}

/** Allocates and releases ClusterIPs as IPAddress objects. */
export class ClusterIPs {
  readonly #api: IPAddressApi
  readonly #range: IpPrefix
  readonly #clock: Clock
  readonly #log: Logger

  constructor(api: IPAddressApi, opts: { range: Cidr; clock: Clock; log: Logger }) {
    this.#api = api
    const range = parsePrefix(opts.range.text)
    if (!range) throw new TypeError(`Service range "${opts.range.text}" is not a CIDR`)
    this.#range = range
    this.#clock = opts.clock
    this.#log = opts.log
  }

  /**
   * The prefixes addresses come from: each usable ServiceCIDR's IPv4 CIDR clipped to this
   * server's range (the smaller of the two when they overlap), in ServiceCIDR name order.
   */
  ranges(): IpPrefix[] {
    const cidrs = [...this.#api.serviceCIDRs()]
      .filter(isServiceCIDRUsable)
      .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))
    const out = new Map<string, IpPrefix>()
    for (const c of cidrs) {
      for (const text of c.spec?.cidrs ?? []) {
        const p = parsePrefix(text, { sloppy: true })
        if (!p || p.addr.family !== 4 || !prefixesOverlap(p, this.#range)) continue
        const clipped = p.bits >= this.#range.bits ? p : this.#range
        out.set(formatPrefix(clipped), clipped)
      }
    }
    return [...out.values()]
  }

  /**
   * Gives the Service `holder` the address `wanted`, or a free one when unset. With `dryRun` it
   * writes nothing: a wanted address is only checked against the ranges, a free one is one the
   * cache does not hold.
   * @throws ApiError InternalError when no range has a free address
   */
  async allocate(holder: ServiceKey, wanted: string | undefined, dryRun: boolean): Promise<Allocation> {
    const ranges = this.ranges()
    if (wanted) return this.#allocateWanted(holder, wanted, ranges, dryRun)
    for (const p of ranges) {
      const ip = await this.#allocateFrom(p, holder, dryRun)
      if (ip) return { ip }
    }
    throw new ApiError(
      "InternalError",
      "Internal error occurred: failed to allocate a serviceIP: range is full",
    )
  }

  async #allocateWanted(
    holder: ServiceKey,
    wanted: string,
    ranges: readonly IpPrefix[],
    dryRun: boolean,
  ): Promise<Allocation> {
    const addr = parseIp(wanted, { sloppy: true })
    const containing = addr ? ranges.filter((p) => prefixContains(p, addr)) : []
    if (!addr || !containing.length) return { error: "the provided network does not match the current range" }
    const inRange = containing.some((p) => {
      const { first, last } = usable(p)
      return addr.value >= first && addr.value <= last
    })
    if (!inRange) {
      const valid = formatPrefix(containing[0]!)
      return {
        error: `the provided IP (${formatIp(addr)}) is not in the valid range. The range of valid IPs is ${valid}`,
      }
    }
    const ip = formatIp(addr)
    if (dryRun || (await this.#create(ip, holder))) return { ip }
    return { error: "provided IP is already allocated" }
  }

  /** A free address of `p`: above the static band from a random start, then within it. */
  async #allocateFrom(p: IpPrefix, holder: ServiceKey, dryRun: boolean): Promise<string | undefined> {
    const { first, last } = usable(p)
    if (last < first) return undefined
    const band = rangeOffset(p)
    const bands: [bigint, bigint][] = [
      [first + band, last],
      [first, first + band - 1n],
    ]
    for (const [lo, hi] of bands) {
      const size = hi - lo + 1n
      if (size <= 0n) continue
      const start = BigInt(Math.floor(Math.random() * Number(size)))
      for (let i = 0n; i < size; i++) {
        const ip = formatIp({ family: 4, value: lo + ((start + i) % size) })
        // The cache first (cheap); a create that still collides moves on, as upstream's does
        if (this.#api.cached(ip)) continue
        if (dryRun || (await this.#create(ip, holder))) return ip
      }
    }
    return undefined
  }

  /** Creates the IPAddress of `ip` held by `holder`; false when the address is taken. */
  async #create(ip: string, holder: ServiceKey): Promise<boolean> {
    try {
      await this.#api.create(serviceIPAddress(ip, holder))
      return true
    } catch (err) {
      if (err instanceof ApiError && err.reason === "AlreadyExists") return false
      throw err
    }
  }

  /** Deletes the IPAddress of `ip` if `holder` holds it. */
  async release(ip: string, holder: ServiceKey): Promise<void> {
    const addr = parseIp(ip, { sloppy: true })
    if (!addr) return
    const name = formatIp(addr)
    const cur = await this.#api.get(name)
    if (!cur || !isHeldByService(cur, holder.namespace, holder.name)) return
    await this.#api.delete(name, cur.metadata?.uid ?? "")
  }

  /**
   * Makes the IPAddresses match the Services (upstream's ipallocator repair controller): creates
   * the missing ones and fixes wrong ones, and deletes the allocator's IPAddresses no Service holds.
   */
  repair(services: Iterable<RepairService>): Promise<void> {
    return repairClusterIPs(services, { api: this.#api, clock: this.#clock, log: this.#log })
  }
}

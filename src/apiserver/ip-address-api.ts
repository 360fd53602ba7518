/**
 * The API the ClusterIP allocator works through: IPAddresses written by the registry (defaulted,
 * validated and admitted like any client's, so watchers see them) and read, with ServiceCIDRs,
 * from the watch cache, as upstream's allocator writes through its loopback client and reads
 * from informers.
 */
import {
  ApiError,
  IPAddresses,
  type IPAddress,
  type ResourceInfo,
  type ServiceCIDR,
  ServiceCIDRs,
} from "../api/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"
import type { WatchCache } from "./watch-cache.ts"

/** What the allocator needs of the API: IPAddresses and ServiceCIDRs, read and written. */
export interface IPAddressApi {
  /** The IPAddress the watch cache holds under `name` (it may lag the store). */
  cached(name: string): IPAddress | undefined
  /** Every IPAddress in the watch cache. */
  ipAddresses(): Iterable<IPAddress>
  /** Every ServiceCIDR in the watch cache. */
  serviceCIDRs(): Iterable<ServiceCIDR>
  /** The stored IPAddress named `name`, if any. */
  get(name: string): Promise<IPAddress | undefined>
  /** Creates an IPAddress. @throws ApiError AlreadyExists when its address is taken */
  create(ip: IPAddress): Promise<void>
  /** Deletes the IPAddress `name` if it is still the one with `uid`; gone already is fine. */
  delete(name: string, uid: string): Promise<void>
}

/** What the adapter reads and writes through. */
export interface IPAddressApiDeps {
  readonly registry: Registry
  readonly cache: WatchCache
  readonly served: (info: ResourceInfo) => Served
}

function ignoring(...reasons: string[]): (err: unknown) => undefined {
  return (err) => {
    if (err instanceof ApiError && reasons.includes(err.reason)) return undefined
    throw err
  }
}

/** The allocator's view of the API over this server's registry and watch cache. */
export function ipAddressApi(d: IPAddressApiDeps): IPAddressApi {
  const ips = d.served(IPAddresses)
  const cidrs = d.served(ServiceCIDRs)
  const ipCache = d.cache.resource(ips.prefix)
  const cidrCache = d.cache.resource(cidrs.prefix)
  return {
    cached: (name) => ipCache.objects.get(`${ips.prefix}${name}`) as IPAddress | undefined,
    ipAddresses: () => ipCache.objects.values() as Iterable<IPAddress>,
    serviceCIDRs: () => cidrCache.objects.values() as Iterable<ServiceCIDR>,
    get: (name) => d.registry.get(ips, "", name).then((o) => o as IPAddress, ignoring("NotFound")),
    async create(ip) {
      await d.registry.create(ips, "", ip)
    },
    async delete(name, uid) {
      // Gone already, or another object under the name (Conflict on the uid): not ours to delete
      await d.registry
        .delete(ips, { namespace: "", name }, uid ? { preconditions: { uid } } : {})
        .catch(ignoring("NotFound", "Conflict"))
    },
  }
}

/**
 * ClusterIPs and NodePorts for Services, as upstream's allocators hand them out: each address or
 * port is a key in the store (created atomically, so two concurrent creates can never get the
 * same one), reserved before the Service is written and released once it no longer uses it. A
 * repair pass frees reservations that no Service holds (a crash between reserve and write).
 */
import { ApiError, type ApiObject, type FieldError, fieldErrors, invalid } from "../api/index.ts"
import { KeyExistsError, type Store } from "../storage/index.ts"
import { type Cidr, cidrAddress, cidrContains, ipv4ToNumber, type Logger } from "../util/index.ts"

type Svc = ApiObject & { spec?: any }

const IP_PREFIX = "/registry/k8ts/serviceips/"
const PORT_PREFIX = "/registry/k8ts/nodeports/"

/** The ranges Services draw from. */
export interface ServiceRanges {
  readonly serviceCidr: Cidr
  /** Inclusive NodePort range (default 30000-32767). */
  readonly nodePorts?: readonly [number, number]
}

/** What a Service holds: its ClusterIP (if any) and NodePorts. */
interface Holdings {
  readonly ip?: string
  readonly ports: number[]
}

function holdingsOf(svc: Svc | undefined): Holdings {
  const spec = svc?.spec ?? {}
  const ip =
    typeof spec.clusterIP === "string" && spec.clusterIP !== "None" && spec.clusterIP
      ? spec.clusterIP
      : undefined
  const ports = ((spec.ports ?? []) as { nodePort?: number }[])
    .map((p) => p.nodePort)
    .filter((p): p is number => typeof p === "number" && p > 0)
  return { ...(ip ? { ip } : {}), ports }
}

function ownerOf(svc: Svc): string {
  return `${svc.metadata?.namespace ?? ""}/${svc.metadata?.name ?? ""}`
}

function needsClusterIP(spec: any): boolean {
  return spec.type !== "ExternalName" && spec.clusterIP !== "None"
}

function needsNodePorts(spec: any): boolean {
  return (
    spec.type === "NodePort" || (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false)
  )
}

/** Allocates and releases Service addresses in the store. */
export class ServiceAddresses {
  readonly #store: Store
  readonly #cidr: Cidr
  readonly #ports: readonly [number, number]
  readonly #log: Logger
  /** Reservations no Service held at the last repair: freed if still unheld at the next. */
  #suspects = new Set<string>()

  constructor(store: Store, ranges: ServiceRanges, log: Logger) {
    this.#store = store
    this.#cidr = ranges.serviceCidr
    this.#ports = ranges.nodePorts ?? [30000, 32767]
    this.#log = log
  }

  /**
   * Fills in and reserves what `svc` needs beyond what `old` (its previous version) holds.
   * With `dryRun` it picks free values without reserving them.
   * @throws ApiError Invalid for a requested address or port that is outside its range or taken
   */
  async allocate(svc: Svc, old: Svc | undefined, dryRun: boolean): Promise<void> {
    const spec = (svc.spec ??= {})
    const had = holdingsOf(old)
    const owner = ownerOf(svc)
    const errs: FieldError[] = []
    if (needsClusterIP(spec)) await this.#allocateClusterIP(spec, had.ip, owner, dryRun, errs)
    if (needsNodePorts(spec)) {
      const ports = (spec.ports ?? []) as { nodePort?: number }[]
      const seen = new Set<number>()
      for (const [i, p] of ports.entries()) {
        if (p.nodePort && (had.ports.includes(p.nodePort) || seen.has(p.nodePort))) continue
        const port = await this.#nodePort(p.nodePort, i, owner, dryRun, errs)
        if (port) {
          p.nodePort = port
          seen.add(port)
        }
      }
    }
    if (errs.length) throw invalid("Service", svc.metadata?.name ?? "", errs)
  }

  /** The ClusterIP of a Service that needs one, `held` the one its previous version holds. */
  async #allocateClusterIP(
    spec: NonNullable<Svc["spec"]>,
    held: string | undefined,
    owner: string,
    dryRun: boolean,
    errs: FieldError[],
  ): Promise<void> {
    // An update that leaves the address out keeps the one it has, as upstream.
    if (!spec.clusterIP && held) {
      spec.clusterIP = held
      spec.clusterIPs = [held]
    }
    // The held address is kept; another is not allocated: the address may not change once set,
    // which validation then says (as upstream's allocator leaves such an update to it).
    if (held) return
    const ip = await this.#clusterIP(spec.clusterIP, owner, dryRun, errs)
    if (ip) {
      spec.clusterIP = ip
      spec.clusterIPs = [ip]
    }
  }

  async #reserve(key: string, owner: string): Promise<boolean> {
    try {
      await this.#store.create(key, JSON.stringify({ owner }))
      return true
    } catch (err) {
      if (!(err instanceof KeyExistsError)) throw err
      return false
    }
  }

  async #clusterIP(
    wanted: unknown,
    owner: string,
    dryRun: boolean,
    errs: FieldError[],
  ): Promise<string | undefined> {
    const field = "spec.clusterIPs[0]"
    if (typeof wanted === "string" && wanted) {
      const n = ipv4ToNumber(wanted)
      const last = this.#cidr.base + this.#cidr.size - 1
      if (n === undefined || !cidrContains(this.#cidr, wanted) || n === this.#cidr.base || n === last) {
        errs.push(
          fieldErrors.invalidValue(
            field,
            wanted,
            `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${this.#cidr.text}`,
          ),
        )
        return undefined
      }
      if (dryRun || (await this.#reserve(IP_PREFIX + wanted, owner))) return wanted
      errs.push(
        fieldErrors.invalidValue(
          field,
          wanted,
          `failed to allocate IP ${wanted}: provided IP is already allocated`,
        ),
      )
      return undefined
    }
    // Dynamic addresses come from above the static band first, as upstream (the band is for users' picks).
    const usable = this.#cidr.size - 2
    const band = Math.min(Math.max(16, Math.floor(this.#cidr.size / 16)), 256)
    const ranges: [number, number][] = [
      [band + 1, usable],
      [1, Math.min(band, usable)],
    ]
    for (const [lo, hi] of ranges) {
      const ip = await this.#pick(lo, hi, (o) => IP_PREFIX + cidrAddress(this.#cidr, o), owner, dryRun)
      if (ip !== undefined) return cidrAddress(this.#cidr, ip)
    }
    throw new ApiError(
      "InternalError",
      `Internal error occurred: failed to allocate a serviceIP: range is full`,
    )
  }

  async #nodePort(wanted: number | undefined, i: number, owner: string, dryRun: boolean, errs: FieldError[]) {
    const field = `spec.ports[${i}].nodePort`
    const [lo, hi] = this.#ports
    if (wanted) {
      if (wanted < lo || wanted > hi) {
        errs.push(
          fieldErrors.invalidValue(
            field,
            wanted,
            `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`,
          ),
        )
        return undefined
      }
      if (dryRun || (await this.#reserve(PORT_PREFIX + wanted, owner))) return wanted
      errs.push(fieldErrors.invalidValue(field, wanted, "provided port is already allocated"))
      return undefined
    }
    const port = await this.#pick(lo, hi, (p) => PORT_PREFIX + p, owner, dryRun)
    if (port === undefined) {
      throw new ApiError(
        "InternalError",
        "Internal error occurred: failed to allocate a nodePort: range is full",
      )
    }
    return port
  }

  /** A free value in [lo, hi], probing from a random start. */
  async #pick(lo: number, hi: number, keyOf: (v: number) => string, owner: string, dryRun: boolean) {
    const size = hi - lo + 1
    if (size <= 0) return undefined
    const start = Math.floor(Math.random() * size)
    for (let i = 0; i < size; i++) {
      const v = lo + ((start + i) % size)
      if (dryRun ? !(await this.#store.get(keyOf(v))) : await this.#reserve(keyOf(v), owner)) return v
    }
    return undefined
  }

  /** Frees what `prev` held and `next` (the same Service, or undefined once deleted) no longer does. */
  async release(prev: Svc, next: Svc | undefined): Promise<void> {
    const was = holdingsOf(prev)
    const is = holdingsOf(next)
    const owner = ownerOf(prev)
    const keys = [
      ...(was.ip && was.ip !== is.ip ? [IP_PREFIX + was.ip] : []),
      ...was.ports.filter((p) => !is.ports.includes(p)).map((p) => PORT_PREFIX + p),
    ]
    for (const key of keys) await this.#free(key, owner)
  }

  async #free(key: string, owner?: string): Promise<void> {
    const held = await this.#store.get(key)
    if (!held) return
    if (owner && (JSON.parse(held.value) as { owner?: string }).owner !== owner) return
    await this.#store.delete(key, held.revision).catch(() => {})
  }

  /**
   * Frees reservations that no Service in `services` holds and that were already unheld at the
   * previous pass (so a reservation made just before its Service is written survives).
   */
  async repair(services: Iterable<Svc>): Promise<void> {
    const held = new Map<string, string>()
    for (const svc of services) {
      const h = holdingsOf(svc)
      if (h.ip) held.set(IP_PREFIX + h.ip, ownerOf(svc))
      for (const p of h.ports) held.set(PORT_PREFIX + p, ownerOf(svc))
    }
    const suspects = new Set<string>()
    const reserved = new Set<string>()
    for (const prefix of [IP_PREFIX, PORT_PREFIX]) {
      const { entries } = await this.#store.list(prefix)
      for (const e of entries) {
        reserved.add(e.key)
        if (!held.has(e.key)) suspects.add(e.key)
      }
    }
    // Held but not reserved (state written before reservations existed): reserve it now.
    for (const [key, owner] of held) if (!reserved.has(key)) await this.#reserve(key, owner)
    for (const key of suspects) {
      if (!this.#suspects.has(key)) continue
      this.#log.info({ key }, "Releasing a service address no Service holds")
      await this.#free(key)
    }
    this.#suspects = suspects
  }
}

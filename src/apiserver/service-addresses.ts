/**
 * ClusterIPs and NodePorts for Services, as upstream's allocators hand them out, reserved before
 * the Service is written and released once it no longer uses them. A ClusterIP is an IPAddress
 * object (cluster-ips.ts); a NodePort is a key in the store, created atomically so two concurrent
 * creates can never get the same one. Repair passes free what no Service holds (a crash between
 * reserve and write) and reserve what one holds but nothing records.
 */
import { isIP } from "node:net"
import { ApiError, type ApiObject, type FieldError, fieldErrors, invalid } from "../api/index.ts"
import { KeyExistsError, type Store } from "../storage/index.ts"
import type { Logger } from "../util/index.ts"
import type { ClusterIPs, ServiceKey } from "./cluster-ips.ts"

type Svc = ApiObject & { spec?: any }

/** Where ClusterIPs were reserved before they were IPAddresses: emptied by repair. */
const LEGACY_IP_PREFIX = "/registry/k8ts/serviceips/"
const PORT_PREFIX = "/registry/k8ts/nodeports/"

/** Where Services' addresses come from. */
export interface ServiceAddressOptions {
  readonly clusterIPs: ClusterIPs
  /** Inclusive NodePort range (default 30000-32767). */
  readonly nodePorts?: readonly [number, number]
  readonly log: Logger
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

function keyOf(svc: Svc): ServiceKey {
  return { namespace: svc.metadata?.namespace ?? "", name: svc.metadata?.name ?? "" }
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
  readonly #clusterIPs: ClusterIPs
  readonly #ports: readonly [number, number]
  readonly #log: Logger
  /** NodePort reservations no Service held at the last repair: freed if still unheld at the next. */
  #suspects = new Set<string>()

  constructor(store: Store, opts: ServiceAddressOptions) {
    this.#store = store
    this.#clusterIPs = opts.clusterIPs
    this.#ports = opts.nodePorts ?? [30000, 32767]
    this.#log = opts.log
  }

  /**
   * Fills in and reserves what `svc` needs beyond what `old` (its previous version) holds.
   * With `dryRun` it picks free values without reserving them. When it fails, what it reserved
   * is released before it throws (not left to the repair passes).
   * @throws ApiError Invalid for a requested address or port that is outside its range or taken
   */
  async allocate(svc: Svc, old: Svc | undefined, dryRun: boolean): Promise<void> {
    if (!svc.metadata?.name) return // nothing can hold an address: validation refuses the Service
    const spec = (svc.spec ??= {})
    const had = holdingsOf(old)
    const owner = ownerOf(svc)
    const errs: FieldError[] = []
    const made: { ip?: string; ports: number[] } = { ports: [] }
    try {
      if (needsClusterIP(spec)) {
        made.ip = await this.#allocateClusterIP(spec, had.ip, keyOf(svc), dryRun, errs)
      }
      if (needsNodePorts(spec)) {
        const ports = (spec.ports ?? []) as { nodePort?: number }[]
        const seen = new Set<number>()
        for (const [i, p] of ports.entries()) {
          if (p.nodePort && (had.ports.includes(p.nodePort) || seen.has(p.nodePort))) continue
          const port = await this.#nodePort(p.nodePort, i, owner, dryRun, errs)
          if (port) {
            p.nodePort = port
            seen.add(port)
            if (!dryRun) made.ports.push(port)
          }
        }
      }
      if (errs.length) throw invalid("Service", svc.metadata?.name ?? "", errs)
    } catch (err) {
      if (made.ip) await this.#clusterIPs.release(made.ip, keyOf(svc))
      for (const p of made.ports) await this.#free(PORT_PREFIX + p, owner)
      throw err
    }
  }

  /**
   * The ClusterIP of a Service that needs one, `held` the one its previous version holds.
   * Returns the address it reserved, if it did.
   */
  async #allocateClusterIP(
    spec: NonNullable<Svc["spec"]>,
    held: string | undefined,
    holder: ServiceKey,
    dryRun: boolean,
    errs: FieldError[],
  ): Promise<string | undefined> {
    // An update that leaves the address out keeps the one it has, as upstream.
    if (!spec.clusterIP && held) {
      spec.clusterIP = held
      spec.clusterIPs = [held]
    }
    // The held address is kept; another is not allocated: the address may not change once set,
    // which validation then says (as upstream's allocator leaves such an update to it).
    if (held) return undefined
    const wanted = typeof spec.clusterIP === "string" && spec.clusterIP ? spec.clusterIP : undefined
    if (wanted && !isIP(wanted)) return undefined // not an address: validation refuses it
    const got = await this.#clusterIPs.allocate(holder, wanted, dryRun)
    if ("error" in got) {
      // As upstream's allocIPs: the whole list, the requested address in the message
      const list = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length ? spec.clusterIPs : [wanted]
      errs.push(
        fieldErrors.invalidValue("spec.clusterIPs", list, `failed to allocate IP ${wanted}: ${got.error}`),
      )
      return undefined
    }
    spec.clusterIP = got.ip
    spec.clusterIPs = [got.ip]
    return dryRun ? undefined : got.ip
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
    if (was.ip && was.ip !== is.ip) await this.#clusterIPs.release(was.ip, keyOf(prev))
    for (const p of was.ports.filter((p) => !is.ports.includes(p))) await this.#free(PORT_PREFIX + p, owner)
  }

  async #free(key: string, owner?: string): Promise<void> {
    const held = await this.#store.get(key)
    if (!held) return
    if (owner && (JSON.parse(held.value) as { owner?: string }).owner !== owner) return
    await this.#store.delete(key, held.revision).catch(() => {})
  }

  /**
   * Repairs the ClusterIPs (cluster-ips-repair.ts), then frees NodePort reservations that no
   * Service in `services` holds and that were already unheld at the previous pass (so a
   * reservation made just before its Service is written survives).
   */
  async repair(services: Iterable<Svc>): Promise<void> {
    const list = [...services]
    await this.#clusterIPs.repair(list)
    await this.#dropLegacyReservations()
    const held = new Map<string, string>()
    for (const svc of list) {
      for (const p of holdingsOf(svc).ports) held.set(PORT_PREFIX + p, ownerOf(svc))
    }
    const suspects = new Set<string>()
    const reserved = new Set<string>()
    const { entries } = await this.#store.list(PORT_PREFIX)
    for (const e of entries) {
      reserved.add(e.key)
      if (!held.has(e.key)) suspects.add(e.key)
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

  /** Deletes the ClusterIP reservations of older versions: IPAddresses (repaired above) replace them. */
  async #dropLegacyReservations(): Promise<void> {
    const { entries } = await this.#store.list(LEGACY_IP_PREFIX)
    for (const e of entries) await this.#store.delete(e.key, e.revision).catch(() => {})
  }
}

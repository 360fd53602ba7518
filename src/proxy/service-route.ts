/**
 * The host route that lets host processes reach ClusterIPs under the nftables backend: routing
 * runs before the nat output hook, so the service range needs a real route (to a local bridge
 * without ports) that beats the node's `unreachable` guard for it — the same range at a lower
 * metric, or, when the guard already has metric 0, the range's two halves (more specific, still
 * inside it). Never a wider range. remove() takes back exactly what ensure() added.
 */
import { run } from "../network/index.ts"
import { isAlive, type Logger, numberToIpv4, parseCidr } from "../util/index.ts"

/** Options of ServiceRoute. */
export interface ServiceRouteOptions {
  /** The service range. */
  readonly cidr: string
  /** The device routed to (a bridge, created when missing and then deleted by remove()). */
  readonly device: string
  /** The route's metric (default: one below the guard's, or 0 without a guard). */
  readonly metric?: number
  readonly log: Logger
}

/** The device's alias while a proxy holds it: "k8ts-proxy pid <pid>". */
const ALIAS = "k8ts-proxy pid"

/** The service range's route on this host. */
export class ServiceRoute {
  readonly #o: ServiceRouteOptions
  #createdDevice = false
  #routes: [string, number][] = []

  constructor(opts: ServiceRouteOptions) {
    this.#o = opts
  }

  /** Adds the device and route(s) unless done already. */
  async ensure(): Promise<void> {
    if (this.#routes.length) return
    const dev = this.#o.device
    const links = await run(["ip", "-o", "link", "show"])
    if (!new RegExp(`^\\d+: ${dev}[:@]`, "m").test(links)) {
      await run(["ip", "link", "add", dev, "type", "bridge"])
      this.#createdDevice = true
    } else if (await this.#leftByDeadProxy(dev)) {
      // A proxy that crashed made it: ours to take back now.
      this.#createdDevice = true
    }
    // Who made it, so a proxy starting after a crash knows to take it back.
    if (this.#createdDevice) await run(["ip", "link", "set", "dev", dev, "alias", `${ALIAS} ${process.pid}`])
    await run(["ip", "link", "set", dev, "up"])
    const routes = await this.#plan()
    for (const [prefix, metric] of routes) {
      const have = await run(["ip", "-4", "route", "show", "exact", prefix, "dev", dev])
      if (!have.trim()) await run(["ip", "route", "add", prefix, "dev", dev, "metric", String(metric)])
      this.#routes.push([prefix, metric])
    }
  }

  /** Whether `dev` was made by a proxy whose process is gone (its alias names a dead pid). */
  async #leftByDeadProxy(dev: string): Promise<boolean> {
    const [link] = JSON.parse((await run(["ip", "-j", "link", "show", "dev", dev])) || "[]") as {
      ifalias?: string
    }[]
    const pid = new RegExp(`^${ALIAS} (\\d+)$`).exec(link?.ifalias ?? "")?.[1]
    return pid !== undefined && Number(pid) !== process.pid && !isAlive(Number(pid))
  }

  /** Deletes the routes ensure() added, and the device if it created it. */
  async remove(): Promise<void> {
    const dev = this.#o.device
    for (const [prefix, metric] of this.#routes) {
      await run(["ip", "route", "del", prefix, "dev", dev, "metric", String(metric)]).catch((err: unknown) =>
        this.#o.log.warn({ route: prefix, err: String(err) }, "Cannot remove the service route"),
      )
    }
    this.#routes = []
    if (this.#createdDevice) await run(["ip", "link", "del", dev]).catch(() => undefined)
    this.#createdDevice = false
  }

  /** The prefixes and metrics to route, given the guard for exactly the range (if any). */
  async #plan(): Promise<[string, number][]> {
    const cidr = this.#o.cidr
    if (this.#o.metric !== undefined) return [[cidr, this.#o.metric]]
    const out = await run(["ip", "-4", "route", "show", "exact", cidr, "type", "unreachable"])
    if (!out.trim()) return [[cidr, 0]]
    const guard = Number(/metric (\d+)/.exec(out)?.[1] ?? 0)
    if (guard > 0) return [[cidr, guard - 1]]
    const range = parseCidr(cidr)
    if (range.prefix >= 32)
      throw new Error(`Cannot route the service range ${cidr} past its unreachable guard`)
    // Nothing is below metric 0: the halves are more specific, so they win whatever the metric.
    this.#o.log.info({ cidr }, "Routing the service range as two halves: its unreachable guard has metric 0")
    const half = `/${range.prefix + 1}`
    return [
      [`${numberToIpv4(range.base)}${half}`, 0],
      [`${numberToIpv4(range.base + range.size / 2)}${half}`, 0],
    ]
  }
}

/**
 * The proxy bench's pod: a network namespace of its own with a veth to the host, from which
 * the load generator reaches a Service as a pod does (the packets enter the host, so the
 * service DNAT happens in prerouting) and, as the baseline, the endpoints directly. The
 * endpoints are host addresses on a bridge without ports (the pod range's 10.248.250.x), so
 * nothing is forwarded; the whole pod range gets an `unreachable` route so none of it can
 * leave the machine. remove() takes back exactly what create() added.
 */
import { run } from "../src/network/index.ts"

/** The pod namespace, its veth and the endpoints' bridge. */
export interface BenchPodOptions {
  /** The namespace (and its host-side veth is `<prefix>h`, the bridge `<prefix>b`). */
  readonly netns: string
  readonly prefix: string
  /** The pod range, guarded by an `unreachable` route while the bench runs. */
  readonly podCidr: string
  /** The veth's host and pod addresses (a /30 inside the pod range). */
  readonly hostIp: string
  readonly podIp: string
  /** The endpoints' addresses, on the bridge (inside the pod range). */
  readonly endpoints: readonly string[]
  /** The ranges the pod routes to the host: the service range and the endpoints'. */
  readonly routes: readonly string[]
}

/** A metric no real route of the pod range should have (the guard only catches what nothing else routes). */
const GUARD_METRIC = "4090"

/** The bench's pod network; create() then remove() (also after a failed create()). */
export class BenchPod {
  readonly #o: BenchPodOptions
  readonly #undo: string[][] = []

  constructor(opts: BenchPodOptions) {
    this.#o = opts
  }

  /** Creates the guard route, the bridge with the endpoints' addresses, the namespace and its veth. */
  async create(): Promise<void> {
    const o = this.#o
    const host = `${o.prefix}h`
    const bridge = `${o.prefix}b`
    // What an interrupted run of this bench left (its own names only).
    for (const argv of [
      ["ip", "netns", "del", o.netns],
      ["ip", "link", "del", host],
      ["ip", "link", "del", bridge],
      ["ip", "route", "del", "unreachable", o.podCidr, "metric", GUARD_METRIC],
    ])
      await run(argv).catch(() => undefined)
    await this.#step(
      ["ip", "route", "add", "unreachable", o.podCidr, "metric", GUARD_METRIC],
      ["ip", "route", "del", "unreachable", o.podCidr, "metric", GUARD_METRIC],
    )
    await this.#step(["ip", "link", "add", bridge, "type", "bridge"], ["ip", "link", "del", bridge])
    await run(["ip", "link", "set", bridge, "up"])
    for (const ip of o.endpoints) await run(["ip", "addr", "add", `${ip}/32`, "dev", bridge])
    await this.#step(["ip", "netns", "add", o.netns], ["ip", "netns", "del", o.netns])
    await this.#step(
      ["ip", "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", o.netns],
      ["ip", "link", "del", host],
    )
    await run(["ip", "addr", "add", `${o.hostIp}/30`, "dev", host])
    await run(["ip", "link", "set", host, "up"])
    const ns = (...argv: string[]) => run(["ip", "netns", "exec", o.netns, ...argv])
    await ns("ip", "link", "set", "lo", "up")
    await ns("ip", "addr", "add", `${o.podIp}/30`, "dev", "eth0")
    await ns("ip", "link", "set", "eth0", "up")
    for (const r of o.routes) await ns("ip", "route", "add", r, "via", o.hostIp)
  }

  /** Deletes what create() added, newest first. */
  async remove(): Promise<void> {
    for (let argv = this.#undo.pop(); argv; argv = this.#undo.pop()) await run(argv).catch(() => undefined)
  }

  async #step(argv: string[], undo: string[]): Promise<void> {
    await run(argv)
    this.#undo.push(undo)
  }
}

/**
 * The proxy on every node: watches Services and EndpointSlices, compiles them into rules, and
 * has its backend program them, coalescing bursts of changes into one update.
 */
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type ApiObject, EndpointSlices, Services } from "../api/index.ts"
import { type Client, SharedInformers } from "../client/index.ts"
import { type Cidr, type Logger, mapAddress, silentLogger } from "../util/index.ts"
import { compileRules } from "./rules.ts"
import { UserspaceProxy } from "./userspace.ts"

/** Options of Proxy. */
export interface ProxyOptions {
  readonly client: Client
  readonly nodeName: string
  /** The node's address (NodePorts listen there). */
  readonly nodeAddress: string
  /** The cluster's service range. */
  readonly serviceCidr: Cidr
  /** The loopback range ClusterIPs map to, offset for offset (e.g. 127.96.0.0/12). */
  readonly loopbackRange: Cidr
  readonly log?: Logger
}

/** Runs the proxy with the userspace backend. */
export class Proxy {
  readonly #o: ProxyOptions
  readonly #log: Logger
  readonly #backend: UserspaceProxy

  constructor(opts: ProxyOptions) {
    this.#o = opts
    this.#log = opts.log ?? silentLogger()
    this.#backend = new UserspaceProxy({
      listenAddress: (ip) => mapAddress(ip, opts.serviceCidr, opts.loopbackRange),
      nodeAddress: opts.nodeAddress,
      log: this.#log,
    })
  }

  /** The backend's listeners (for tests and status). */
  listening(): string[] {
    return this.#backend.listening()
  }

  /** Serves until `signal` aborts, then closes every listener. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = new SharedInformers(this.#o.client, { log: this.#log })
    const services = informers.get<Service & ApiObject>(Services)
    const slices = informers.get<EndpointSlice & ApiObject>(EndpointSlices)
    let pending: NodeJS.Timeout | undefined
    const sync = () => {
      pending = undefined
      const rules = compileRules(services.cache.list(), slices.cache.list(), this.#o.nodeName)
      this.#backend.apply(rules)
    }
    const schedule = () => {
      pending ??= setTimeout(sync, 5)
    }
    const handler = { onAdd: schedule, onUpdate: schedule, onDelete: schedule }
    services.addHandler(handler)
    slices.addHandler(handler)
    const running = informers.run(signal)
    try {
      if (
        await Promise.all([services.waitForSync(signal), slices.waitForSync(signal)]).then((r) =>
          r.every(Boolean),
        )
      ) {
        sync()
        this.#log.info(
          { node: this.#o.nodeName, range: this.#o.loopbackRange.text },
          "Proxy started (userspace)",
        )
      }
      await running
    } finally {
      if (pending) clearTimeout(pending)
      this.#backend.close()
    }
  }
}

/**
 * The proxy on every node: watches Services and EndpointSlices, compiles them into rules, and
 * has its backend (userspace, or nftables as root) program them, coalescing bursts of changes
 * into one update and syncing at most once per minSyncPeriod, as kube-proxy does.
 */
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type ApiObject, EndpointSlices, Services } from "../api/index.ts"
import { type Client, SharedInformers } from "../client/index.ts"
import { type Cidr, type Logger, mapAddress, silentLogger } from "../util/index.ts"
import type { ProxyBackend } from "./backend.ts"
import { compileRules, type RulesCache } from "./rules.ts"
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
  /** The backend (default: a UserspaceProxy on the loopback mappings). */
  readonly backend?: ProxyBackend
  /** The least time between two syncs (default 1000 ms, kube-proxy's minSyncPeriod). */
  readonly minSyncPeriodMs?: number
  readonly log?: Logger
}

/** Changes within this long of each other are programmed together. */
const COALESCE_MS = 5

/** Runs the proxy with its backend. */
export class Proxy {
  readonly #o: ProxyOptions
  readonly #log: Logger
  readonly #backend: ProxyBackend

  constructor(opts: ProxyOptions) {
    this.#o = opts
    this.#log = opts.log ?? silentLogger()
    this.#backend =
      opts.backend ??
      new UserspaceProxy({
        listenAddress: (ip) => mapAddress(ip, opts.serviceCidr, opts.loopbackRange),
        nodeAddress: opts.nodeAddress,
        log: this.#log,
      })
  }

  /** The userspace backend's listeners (for tests and status; empty for other backends). */
  listening(): string[] {
    return this.#backend instanceof UserspaceProxy ? this.#backend.listening() : []
  }

  /** Serves until `signal` aborts, then closes every listener. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = new SharedInformers(this.#o.client, { log: this.#log })
    const services = informers.get<Service & ApiObject>(Services)
    const slices = informers.get<EndpointSlice & ApiObject>(EndpointSlices)
    let pending: NodeJS.Timeout | undefined
    let lastSync = -Infinity
    let chain = Promise.resolve()
    const minSync = this.#o.minSyncPeriodMs ?? 1000
    const compiled: RulesCache = new WeakMap()
    const sync = async () => {
      lastSync = performance.now()
      const rules = compileRules(services.cache.list(), slices.cache.list(), this.#o.nodeName, compiled)
      try {
        await this.#backend.apply(rules)
      } catch (err) {
        this.#log.error(
          { backend: this.#backend.name, err: String(err) },
          "Cannot program service rules, retrying",
        )
        schedule()
      }
    }
    const schedule = () => {
      if (pending || signal.aborted) return
      const wait = Math.max(COALESCE_MS, lastSync + minSync - performance.now())
      pending = setTimeout(() => {
        pending = undefined
        chain = chain.then(sync)
      }, wait)
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
        chain = chain.then(sync)
        await chain
        this.#log.info(
          { node: this.#o.nodeName, range: this.#o.loopbackRange.text },
          `Proxy started (${this.#backend.name})`,
        )
      }
      await running
    } finally {
      if (pending) clearTimeout(pending)
      await chain
      await this.#backend.close()
    }
  }
}

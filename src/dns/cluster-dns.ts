/**
 * Cluster DNS: watches Services, EndpointSlices and Namespaces, rebuilds the resolver's view
 * within milliseconds of a change (bursts coalesced), and serves it over UDP and TCP; with a
 * metrics port, CoreDNS's request metrics at http://<host>:<port>/metrics.
 */
import type { Namespace, Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type ApiObject, EndpointSlices, Namespaces, Services } from "../api/index.ts"
import { type Client, SharedInformers } from "../client/index.ts"
import { type Logger, silentLogger } from "../util/index.ts"
import { Forwarder } from "./forward.ts"
import { DnsMetrics } from "./metrics.ts"
import { type DnsMetricsServer, serveDnsMetrics } from "./metrics-server.ts"
import { DnsServer } from "./server.ts"
import { buildView } from "./view.ts"

/** Options of ClusterDns. */
export interface ClusterDnsOptions {
  readonly client: Client
  /** The cluster domain, e.g. "cluster.local". */
  readonly domain: string
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** The address clients reach a ClusterIP at (default: the ClusterIP itself). */
  readonly serviceAddress?: (clusterIP: string) => string
  /** Upstream resolvers for other names ("ip" or "ip:port"); none: such names are REFUSED. */
  readonly upstreams?: readonly string[]
  /** Replies cached until the view changes (default 10,000; 0: none). */
  readonly cacheSize?: number
  /** Serve request metrics on this port of `host` (9153 as CoreDNS; 0 picks a free one; none: off). */
  readonly metricsPort?: number
  readonly log?: Logger
}

/** How long a burst of changes may take before the view is rebuilt. */
const COALESCE_MS = 5

/** The cluster's DNS server kept current from watches. */
export class ClusterDns {
  readonly #o: ClusterDnsOptions
  readonly #log: Logger
  readonly #server: DnsServer
  #port: number | undefined
  #metrics: DnsMetricsServer | undefined

  constructor(opts: ClusterDnsOptions) {
    this.#o = opts
    this.#log = opts.log ?? silentLogger()
    this.#server = new DnsServer({
      host: opts.host,
      port: opts.port,
      ...(opts.upstreams?.length ? { forwarder: new Forwarder(opts.upstreams) } : {}),
      ...(opts.cacheSize !== undefined ? { cacheSize: opts.cacheSize } : {}),
      log: this.#log,
    })
  }

  /**
   * Binds the UDP and TCP sockets; resolves with the port. Queries are answered once the caches
   * have synced (in run).
   */
  async listen(): Promise<number> {
    this.#port = await this.#server.listen()
    return this.#port
  }

  /**
   * Serves the request metrics on `metricsPort` (call after listen); resolves with the port.
   * @throws Error when the port cannot be bound (the DNS keeps serving, uncounted)
   */
  async serveMetrics(): Promise<number | undefined> {
    if (this.#o.metricsPort === undefined || this.#metrics) return this.#metrics?.port
    const metrics = new DnsMetrics({ server: `dns://${this.#o.host}:${this.#port ?? this.#o.port}` })
    this.#metrics = await serveDnsMetrics({
      host: this.#o.host,
      port: this.#o.metricsPort,
      registry: metrics.registry,
      log: this.#log,
    })
    this.#server.setMetrics(metrics)
    return this.#metrics.port
  }

  /** Watches and serves until `signal` aborts, then closes the sockets. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#port === undefined) await this.listen()
    const informers = new SharedInformers(this.#o.client, { log: this.#log })
    const services = informers.get<Service & ApiObject>(Services)
    const slices = informers.get<EndpointSlice & ApiObject>(EndpointSlices)
    const namespaces = informers.get<Namespace & ApiObject>(Namespaces)
    let synced = false
    let pending: NodeJS.Timeout | undefined
    const sync = () => {
      pending = undefined
      const view = buildView(
        { services: services.cache.list(), slices: slices.cache.list(), namespaces: namespaces.cache.list() },
        {
          domain: this.#o.domain,
          ...(this.#o.serviceAddress ? { serviceAddress: this.#o.serviceAddress } : {}),
          nameserver: this.#o.host,
        },
      )
      this.#server.setView(view)
    }
    const schedule = () => {
      if (synced) pending ??= setTimeout(sync, COALESCE_MS)
    }
    const handler = { onAdd: schedule, onUpdate: schedule, onDelete: schedule }
    for (const i of [services, slices, namespaces]) i.addHandler(handler)
    const running = informers.run(signal)
    try {
      if (await informers.waitForSync(signal)) {
        synced = true
        sync()
        this.#log.info({ domain: this.#o.domain, port: this.#port }, "Cluster DNS serving")
      }
      await running
    } finally {
      if (pending) clearTimeout(pending)
      await this.#server.close()
      await this.#metrics?.close()
      this.#metrics = undefined
    }
  }
}

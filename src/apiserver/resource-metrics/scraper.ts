/**
 * The metrics scraper of the API server's metrics.k8s.io (metrics-server's loop): every
 * resolution (15 s by default) it reads every node's kubelet /stats/summary and keeps the
 * latest rates.
 */
import type { Node } from "kubernetes-types/core/v1.js"
import type { Clock, Logger } from "../../util/index.ts"
import type { KubeletClientConfig } from "../handlers/context.ts"
import { call, kubeletAddress, readAll } from "../handlers/kubelet-client.ts"
import { MetricsPoints, type KubeletSummary } from "./points.ts"
import { pointsOf, RateTracker } from "./rates.ts"
import { joinHostPort } from "../../util/index.ts"

/** Reads one node's summary; gives up when `signal` aborts. */
export type SummaryFetcher = (node: Node, signal: AbortSignal) => Promise<KubeletSummary>

/** metrics-server's default --metric-resolution. */
export const DEFAULT_METRIC_RESOLUTION_MS = 15_000

/** A fetcher over HTTP(S) to the node's kubelet. */
export function kubeletSummaryFetcher(cfg: KubeletClientConfig): SummaryFetcher {
  return async (node, signal) => {
    const { host, port } = kubeletAddress(node)
    const url = `${cfg.tls ? "https" : "http"}://${joinHostPort(host, port)}/stats/summary`
    const res = await call(cfg, url, signal)
    const body = await readAll(res)
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${body.trim()}`)
    return JSON.parse(body) as KubeletSummary
  }
}

/** Options of MetricsScraper. */
export interface MetricsScraperOptions {
  readonly nodes: () => Iterable<Node>
  /** Undefined: nothing is scraped. */
  readonly fetch: SummaryFetcher | undefined
  readonly clock: Clock
  readonly log: Logger
  readonly resolutionMs?: number
}

/** Scrapes every node every resolution into `points`. */
export class MetricsScraper {
  readonly points = new MetricsPoints()
  readonly #o: MetricsScraperOptions
  readonly #rates = new RateTracker()

  constructor(opts: MetricsScraperOptions) {
    this.#o = opts
  }

  get resolutionMs(): number {
    return this.#o.resolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS
  }

  /** One round over every node; each node's scrape gives up after 90% of the resolution (at most 10 s). */
  async scrape(signal?: AbortSignal): Promise<void> {
    const fetch = this.#o.fetch
    if (!fetch) return
    const timeout = AbortSignal.timeout(Math.min(10_000, this.resolutionMs * 0.9))
    const stop = signal ? AbortSignal.any([signal, timeout]) : timeout
    const nodes = [...this.#o.nodes()]
    const ok = new Set<string>()
    await Promise.all(
      nodes.map(async (node) => {
        const name = node.metadata?.name ?? ""
        try {
          const s = await fetch(node, stop)
          const { node: point, pods } = pointsOf(name, s, this.#rates, this.resolutionMs)
          this.points.put(name, point, pods)
          ok.add(name)
        } catch (err) {
          this.#o.log.debug({ node: name, err: String(err) }, "Cannot scrape the node's metrics")
        }
      }),
    )
    this.#rates.commit()
    this.points.retain(ok)
  }

  /** Scrapes every resolution until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!this.#o.fetch) return
      await this.scrape(signal).catch((err: unknown) =>
        this.#o.log.warn({ err: String(err) }, "Scrape failed"),
      )
      await this.#o.clock.sleep(this.resolutionMs, signal).catch(() => {})
    }
  }
}

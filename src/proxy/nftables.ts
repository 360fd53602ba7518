/**
 * The nftables proxy backend (root only): programs the proxy's rules into the kernel as the
 * `ip k8ts-proxy` table (kube-proxy's nftables-mode shape, see nftables-rules.ts), the first
 * time as one atomic replace of the table and then as one transaction of only what changed
 * (the chains it emptied are deleted a second later, in a transaction of their own), then
 * deletes the conntrack entries of UDP flows the change left stale (conntrack.ts). Each
 * transaction runs in an nft process started before it was needed (nft-runner.ts).
 * Host processes reach ClusterIPs because it routes exactly the service range to a local
 * device (routing runs before the nat output hook); on close it removes the table, that route
 * and the device it created, and restores the route_localnet values it changed.
 */
import { deleteNftTable, readInterfaceSysctl, writeInterfaceSysctl } from "../network/index.ts"
import type { Logger } from "../util/index.ts"
import type { ProxyBackend } from "./backend.ts"
import { Conntrack, staleUdpFilters } from "./conntrack.ts"
import { compileNftState, type FragmentCache, type NftRulesConfig, type NftState } from "./nftables-rules.ts"
import { NftRunner } from "./nft-runner.ts"
import { deleteChainsScript, fullScript, updateScript } from "./nftables-script.ts"
import { ServiceRoute } from "./service-route.ts"
import type { ServiceRule } from "./rules.ts"

/** Options of NftablesProxy. */
export interface NftablesProxyOptions extends NftRulesConfig {
  /** The table (default "k8ts-proxy"). */
  readonly table?: string
  /** The service range, routed to `serviceRouteDevice` so host processes reach ClusterIPs. */
  readonly serviceCidr: string
  /** The node's addresses: NodePorts are served there. */
  readonly nodeAddresses: readonly string[]
  /** Serve NodePorts on 127.0.0.1 too (default true). */
  readonly localhostNodePorts?: boolean
  /**
   * The device the service range is routed to (a bridge without ports, created when missing;
   * default "k8ts-svc0"), or null to leave host routing alone.
   */
  readonly serviceRouteDevice?: string | null
  /**
   * The route's metric; by default one below an `unreachable` guard for the same range, else 0
   * (a guard at metric 0 gets the range's two halves routed instead).
   */
  readonly serviceRouteMetric?: number
  /**
   * Interfaces (pod bridges) that get route_localnet=1 while the proxy runs, so traffic from
   * pods there may be DNATed to loopback endpoints, and localhost NodePorts to pods.
   */
  readonly routeLocalnet?: readonly string[]
  /** The conntrack program that clears stale UDP entries (default "conntrack"). */
  readonly conntrack?: string
  readonly log: Logger
}

/** How long emptied chains stay before they are deleted (kube-proxy waits a second too). */
const STALE_DELAY_MS = 1000

const EMPTY: NftState = { fragments: new Map(), clusterIPs: new Set() }

/** Serves rules from the kernel with nftables. */
export class NftablesProxy implements ProxyBackend {
  readonly name = "nftables"
  readonly #o: NftablesProxyOptions
  readonly #table: string
  #state: NftState | undefined
  /** The rules last programmed, to find the UDP flows a change leaves stale. */
  #rules: readonly ServiceRule[] = []
  readonly #conntrack: Conntrack
  readonly #cache: FragmentCache = new Map()
  readonly #route: ServiceRoute | undefined
  readonly #localnet = new Map<string, string>()
  /** nft runs, one after the other: updates and the deletion of stale chains. */
  #work: Promise<void> = Promise.resolve()
  /** Runs them, each with an nft process started before the change came. */
  readonly #nft = new NftRunner()
  /** Chains emptied by past updates, deleted STALE_DELAY_MS later in a transaction of their own. */
  readonly #stale = new Set<string>()
  #staleTimer: NodeJS.Timeout | undefined
  /**
   * The last change: how long nft took to program it (ms, cleanup excluded), its lines, and
   * how long compiling and diffing the rules took before (ms).
   */
  lastApply = { ms: 0, lines: 0, compileMs: 0 }
  /** How many updates nft refused, so the table was replaced whole instead (for tests and status). */
  reloads = 0

  constructor(opts: NftablesProxyOptions) {
    if (process.getuid?.() !== 0) {
      throw new Error("Cannot use the nftables proxy: it needs root (use the userspace proxy instead)")
    }
    this.#o = opts
    this.#table = opts.table ?? "k8ts-proxy"
    this.#conntrack = new Conntrack({ log: opts.log, ...(opts.conntrack ? { command: opts.conntrack } : {}) })
    const dev = opts.serviceRouteDevice === undefined ? "k8ts-svc0" : opts.serviceRouteDevice
    this.#route =
      dev === null
        ? undefined
        : new ServiceRoute({
            cidr: opts.serviceCidr,
            device: dev,
            ...(opts.serviceRouteMetric !== undefined ? { metric: opts.serviceRouteMetric } : {}),
            log: opts.log,
          })
  }

  /** Programs `rules` in one transaction; the whole table the first time or after a failure. */
  apply(rules: readonly ServiceRule[]): Promise<void> {
    const done = this.#work.then(() => this.#apply(rules))
    this.#work = done.catch(() => undefined)
    return done
  }

  /**
   * Deletes the chains past updates emptied, unless an update since uses them again (runs by
   * itself STALE_DELAY_MS after an update, off the path of the next change).
   */
  deleteStaleChains(): Promise<void> {
    clearTimeout(this.#staleTimer)
    this.#staleTimer = undefined
    const done = this.#work.then(() => this.#deleteStale())
    this.#work = done
    return done
  }

  async #deleteStale(): Promise<void> {
    if (!this.#state || !this.#stale.size) return this.#stale.clear()
    const live = new Set<string>()
    for (const f of this.#state.fragments.values()) for (const n of f.chains.keys()) live.add(n)
    const names = [...this.#stale].filter((n) => !live.has(n))
    this.#stale.clear()
    const cfg = { table: this.#table, serviceCidr: this.#o.serviceCidr }
    if (names.length)
      await this.#nft.run(deleteChainsScript(cfg, names)).catch((err: unknown) => this.#reload(err))
  }

  async #apply(rules: readonly ServiceRule[]): Promise<void> {
    const compiling = performance.now()
    const o = this.#o
    const nodePortAddresses = [...o.nodeAddresses, ...(o.localhostNodePorts === false ? [] : ["127.0.0.1"])]
    const next = compileNftState(rules, {
      ...o,
      nodePortAddresses: [...new Set(nodePortAddresses)],
      cache: this.#cache,
    })
    const cfg = { table: this.#table, serviceCidr: o.serviceCidr }
    const update = this.#state
      ? updateScript(this.#state, next, cfg)
      : { apply: fullScript(next, cfg), stale: [] }
    const started = performance.now()
    try {
      if (update.apply) await this.#nft.run(update.apply)
    } catch (err) {
      if (!this.#state) throw err
      this.#reload(err)
      await this.#nft.run(fullScript(next, cfg))
    }
    this.lastApply = {
      ms: performance.now() - started,
      lines: update.apply.split("\n").length - 1,
      compileMs: started - compiling,
    }
    this.#state = next
    // New packets of a UDP flow follow its first packet's DNAT: end the flows the change left stale.
    const stale = staleUdpFilters(this.#rules, rules, o.alias)
    this.#rules = rules
    if (stale.length) await this.#conntrack.clear(stale)
    // The change is live; the chains it left empty go later, in a transaction of their own
    // (it needs nft's whole cache, which would compete with the next change for the CPU).
    for (const n of update.stale) this.#stale.add(n)
    if (this.#stale.size && !this.#staleTimer) {
      this.#staleTimer = setTimeout(() => void this.deleteStaleChains(), STALE_DELAY_MS)
      this.#staleTimer.unref()
    }
    await this.#route?.ensure()
    await this.#ensureLocalnet()
  }

  /** Forgets the table's state, so the next apply replaces it whole. */
  #reload(err: unknown): void {
    // The table changed behind our back (or our view of it is wrong).
    this.#o.log.warn(
      { table: this.#table, err: String(err) },
      "Cannot update the nftables table, reloading it",
    )
    this.#state = undefined
    this.#stale.clear()
    this.reloads++
  }

  /** Removes the table, the service route (and its device if created here), and restores sysctls. */
  async close(): Promise<void> {
    clearTimeout(this.#staleTimer)
    this.#staleTimer = undefined
    await this.#work
    await this.#nft.close()
    this.#stale.clear()
    this.#state = undefined
    this.#rules = []
    await deleteNftTable("ip", this.#table).catch((err: unknown) =>
      this.#o.log.warn({ table: this.#table, err: String(err) }, "Cannot delete the nftables table"),
    )
    await this.#route?.remove()
    for (const [iface, value] of this.#localnet) {
      await writeInterfaceSysctl(iface, "route_localnet", value).catch(() => undefined)
    }
    this.#localnet.clear()
  }

  /** The state last programmed (for tests). */
  state(): NftState {
    return this.#state ?? EMPTY
  }

  async #ensureLocalnet(): Promise<void> {
    for (const iface of this.#o.routeLocalnet ?? []) {
      if (this.#localnet.has(iface)) continue
      const value = await readInterfaceSysctl(iface, "route_localnet")
      if (value === undefined) continue // not there yet: next sync
      if (value !== "1") await writeInterfaceSysctl(iface, "route_localnet", "1")
      this.#localnet.set(iface, value)
    }
  }
}

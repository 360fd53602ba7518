/**
 * The control-plane components `k8ts server` runs beside the API server, each reaching the
 * cluster only through an in-process client: the controller manager and, as they land, the
 * scheduler and this node's kubelet. The controller manager and the scheduler hold their leader
 * Leases in kube-system (kube-controller-manager, kube-scheduler), as upstream's do: with a shared
 * datastore (etcd) several servers elect one leader for each; with a server's own, it is the sole
 * candidate and takes them at once.
 */
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import type { Registry } from "prom-client"
import {
  type Client,
  ControllerManager,
  LeaderElector,
  registerControllerMetrics,
} from "../src/client/index.ts"
import { allControllers, type ControllerOptions } from "../src/controllers/index.ts"
import { join } from "node:path"
import {
  DEFAULT_CAPACITY,
  HollowNodes,
  HollowStatsServer,
  Kubelet,
  KubeletServer,
  ProcessRuntime,
  StatsProvider,
} from "../src/kubelet/index.ts"
import { NftablesProxy, Proxy } from "../src/proxy/index.ts"
import type { HealthProbe } from "../src/apiserver/index.ts"
import { hostNames } from "../src/network/index.ts"
import { ClusterDns, hostResolvers, runKubeDnsService } from "../src/dns/index.ts"
import { loadSchedulerConfig, Scheduler } from "../src/scheduler/index.ts"
import { podNetworkFor, type PodNetworkSettings } from "./pod-network.ts"
import { type Cidr, cidrAddress, type Clock, type Logger, mapAddress } from "../src/util/index.ts"

/** A component once started: its work runs until its signal aborts. */
export interface Running {
  readonly name: string
  readonly done: Promise<void>
  readonly stop: AbortController
  /** How it is, for componentstatuses (when its health is known in this process). */
  readonly health?: HealthProbe
  /** Its figures for benchmarks and tests (plain data, so they can cross threads). */
  readonly stats?: () => unknown
}

/**
 * A component's health as this process knows it: unhealthy once its loop ended, or while
 * `problem` names one. Elected components are not probed here: their leader Lease tells.
 */
function localHealth(name: string, done: Promise<void>, problem: () => string | undefined): HealthProbe {
  let ended: string | undefined
  void done.then(
    () => (ended = `the ${name} has stopped`),
    (err: unknown) => (ended = `the ${name} has stopped: ${String(err)}`),
  )
  return async () => {
    const message = ended ?? problem()
    return message ? { status: "False", message, error: "" } : { status: "True", message: "ok", error: "" }
  }
}

/**
 * How the controller manager and the scheduler hold their leader Leases: "shared" elects among
 * the servers of a shared datastore, "sole" writes the Leases as this host's only candidate (a
 * datastore of its own: a holder this host's earlier run left is taken at once, any other waited
 * out), "off" runs them without Leases.
 */
export type LeaderElection = "off" | "sole" | "shared"

/** What every component gets. */
export interface ComponentDeps {
  readonly client: Client
  readonly clock: Clock
  readonly log: Logger
  readonly metrics: Registry
  /** How the elected components hold their Leases. */
  readonly leaderElection: LeaderElection
}

/**
 * Runs `work` while this process holds the Lease `lease` in kube-system (as `<hostname>_<uuid>`,
 * client-go's leader election defaults: 15 s lease, 10 s renew deadline, 2 s retry period), or
 * at once when leader election is off.
 */
function runElected(
  deps: ComponentDeps,
  lease: string,
  work: (signal: AbortSignal) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  if (deps.leaderElection === "off") return work(signal)
  let current: Promise<void> = Promise.resolve()
  const host = hostname()
  const elector = new LeaderElector({
    client: deps.client,
    lease: { name: lease, namespace: "kube-system" },
    identity: `${host}_${randomUUID()}`,
    // With a datastore of its own, a holder of this host's was this process's earlier run.
    ...(deps.leaderElection === "sole" ? { earlierRunPrefix: `${host}_` } : {}),
    clock: deps.clock,
    log: deps.log.child({ lease }),
    // The elector logs "Became leader" itself.
    onStartedLeading: (leading) => {
      current = work(leading)
    },
    onNewLeader: (identity) => deps.log.info({ lease, leader: identity }, "New leader"),
  })
  return elector.run(signal).then(() => current)
}

/** Starts the controller manager with the controllers `enabled` picks. */
export function startControllerManager(
  deps: ComponentDeps,
  opts: { enabled: readonly string[] } & ControllerOptions,
): Running {
  const stop = new AbortController()
  const log = deps.log.child({ component: "controller-manager" })
  const manager = new ControllerManager({
    controllers: allControllers(opts),
    enabled: opts.enabled,
    client: deps.client,
    clock: deps.clock,
    log,
  })
  registerControllerMetrics(deps.metrics, manager)
  const done = runElected({ ...deps, log }, "kube-controller-manager", (s) => manager.run(s), stop.signal)
  const problem = () => {
    const down = manager.health().filter((h) => h.state !== "running")
    if (!down.length) return undefined
    return `controllers not running: ${down.map((h) => `${h.name} (${h.lastError ?? h.state})`).join(", ")}`
  }
  const health =
    deps.leaderElection === "shared" ? undefined : localHealth("controller manager", done, problem)
  return {
    name: "controller-manager",
    done,
    stop,
    stats: () => manager.health(),
    ...(health ? { health } : {}),
  }
}

/** Starts the scheduler (elected on the Lease "kube-scheduler"), configured by `configFile` if set. */
export function startScheduler(deps: ComponentDeps, opts: { configFile?: string }): Running {
  const stop = new AbortController()
  const log = deps.log.child({ component: "scheduler" })
  const config = opts.configFile ? loadSchedulerConfig(opts.configFile) : undefined
  let scheduler: Scheduler | undefined
  const work = (s: AbortSignal) => {
    scheduler = new Scheduler({ client: deps.client, clock: deps.clock, log, ...(config ? { config } : {}) })
    return scheduler.run(s)
  }
  const done = runElected({ ...deps, log }, "kube-scheduler", work, stop.signal)
  const health =
    deps.leaderElection === "shared" ? undefined : localHealth("scheduler", done, () => undefined)
  // The nodes in its cache, and its counters (attempts, nodes evaluated, ...).
  const stats = () => ({ nodes: scheduler?.cache.list().length ?? 0, ...scheduler?.stats })
  return { name: "scheduler", done, stop, stats, ...(health ? { health } : {}) }
}

/**
 * Starts this machine's hollow kubelet (simulated containers), with its stats endpoints on
 * `port` for metrics.k8s.io.
 */
export async function startHollowKubelet(
  deps: ComponentDeps,
  opts: {
    nodeName: string
    address: string
    podCIDR: string
    port: number
    /** The node's pods capacity (--max-pods). */
    maxPods?: number
    tls: { readonly cert: string; readonly key: string; readonly ca: string }
  },
): Promise<Running> {
  const stop = new AbortController()
  const log = deps.log.child({ component: "kubelet" })
  const holder: { nodes?: HollowNodes } = {}
  const server = new HollowStatsServer({
    nodes: { nodeAt: (a) => holder.nodes?.nodeAt(a), summary: (n) => holder.nodes?.summary(n) },
    host: opts.address,
    port: opts.port,
    tls: opts.tls,
  })
  // The stats are a nicety for a simulated node: a port in use costs metrics.k8s.io, not the node.
  const port = await server.listen().catch((err: unknown) => {
    log.warn({ port: opts.port, err: String(err) }, "Cannot serve the hollow node's stats")
    return opts.port
  })
  const nodes = (holder.nodes = new HollowNodes({
    client: deps.client,
    nodes: [
      {
        name: opts.nodeName,
        address: opts.address,
        podCIDR: opts.podCIDR,
        ...(opts.maxPods !== undefined
          ? { capacity: { ...DEFAULT_CAPACITY, pods: String(opts.maxPods) } }
          : {}),
      },
    ],
    clock: deps.clock,
    log,
    kubeletPort: port,
  }))
  return { name: "kubelet", done: nodes.run(stop.signal).finally(() => server.close()), stop }
}

/** Options of startKubelet. */
export interface KubeletComponentOptions {
  readonly nodeName: string
  /** The node's InternalIP, which the kubelet's API also listens on. */
  readonly address: string
  readonly dataDir: string
  readonly podCIDR: string
  readonly podLoopbackRange: string
  /** The cluster DNS domain (default cluster.local); pods ask the kube-dns ClusterIP (10th service address). */
  readonly clusterDomain?: string
  readonly port: number
  /** Pods the node runs at most (--max-pods; default 110). */
  readonly maxPods?: number
  /** ClusterIPs are reached at their mapping in this loopback range (pods share the host network). */
  readonly services: { readonly cidr: Cidr; readonly loopback: Cidr }
  /** Log rotation (bytes, files): --container-log-max-size and --container-log-max-files. */
  readonly containerLogMaxSize?: number
  readonly containerLogMaxFiles?: number
  /** Leave the containers running on exit for the next start to adopt (--keep-containers). */
  readonly keepContainers?: boolean
  /** The kubelet API's serving certificate and the CA its callers' certificates come from. */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string }
  /** Full pod sandboxes on this pod network (root); loopback addresses when absent. */
  readonly podNetwork?: Omit<PodNetworkSettings, "nodeName" | "dataDir">
}

/** Starts this machine's kubelet with the process runtime and its node API. */
export async function startKubelet(deps: ComponentDeps, opts: KubeletComponentOptions): Promise<Running> {
  const stop = new AbortController()
  const log = deps.log.child({ component: "kubelet" })
  const network = opts.podNetwork
    ? podNetworkFor(
        { ...opts.podNetwork, nodeName: opts.nodeName, dataDir: opts.dataDir },
        { ...deps, log, signal: stop.signal },
      )
    : undefined
  const runtime = new ProcessRuntime({
    root: join(opts.dataDir, "kubelet"),
    podRange: opts.podLoopbackRange,
    log: log.child({ runtime: "process" }),
    hostIP: opts.address,
    ...(network ? { network, cgroupParent: `k8ts/${opts.nodeName}` } : {}),
  })
  const holder: { kubelet?: Kubelet } = {}
  const stats = new StatsProvider({ runtime })
  const server = new KubeletServer({
    records: (ns, name) => holder.kubelet?.record(ns, name),
    runtime,
    summary: () => stats.summary(opts.nodeName, holder.kubelet?.pods() ?? []),
    pods: () => (holder.kubelet?.pods() ?? []).flatMap((p) => holder.kubelet?.pod(p.namespace, p.name) ?? []),
    metrics: () => holder.kubelet?.metrics,
    configz: () => holder.kubelet?.configuration(),
    host: opts.address,
    port: opts.port,
    tls: opts.tls,
  })
  const port = await server.listen()
  const kubelet = (holder.kubelet = new Kubelet({
    client: deps.client,
    nodeName: opts.nodeName,
    address: opts.address,
    runtime,
    dataDir: opts.dataDir,
    clusterDNS: [cidrAddress(opts.services.cidr, 10)],
    clusterDomain: opts.clusterDomain ?? "cluster.local",
    podCIDR: opts.podCIDR,
    kubeletPort: port,
    ...(opts.maxPods !== undefined ? { maxPods: opts.maxPods } : {}),
    // Pods on the host network reach ClusterIPs at their loopback mapping; sandboxed pods at the ClusterIP.
    ...(network
      ? {}
      : { serviceAddress: (ip: string) => mapAddress(ip, opts.services.cidr, opts.services.loopback) ?? ip }),
    ...(opts.containerLogMaxSize ? { containerLogMaxSize: opts.containerLogMaxSize } : {}),
    ...(opts.containerLogMaxFiles ? { containerLogMaxFiles: opts.containerLogMaxFiles } : {}),
    ...(opts.keepContainers ? { keepContainersOnExit: true } : {}),
    clock: deps.clock,
    log,
  }))
  const done = kubelet.run(stop.signal).finally(() => server.close())
  return { name: "kubelet", done, stop }
}

/**
 * Starts this node's service proxy: the userspace backend on loopback service addresses, or
 * with `mode` "nftables" kernel rules for the ClusterIPs and their loopback mappings.
 */
export function startProxy(
  deps: ComponentDeps,
  opts: {
    nodeName: string
    nodeAddress: string
    serviceCidr: Cidr
    loopbackRange: Cidr
    mode?: "userspace" | "nftables"
    clusterCidr?: Cidr
    /** The least time between two syncs (kube-proxy's minSyncPeriod; default 1000 ms). */
    minSyncPeriodMs?: number
    /** What the nftables table, service device and pod bridge are named after (default "k8ts"). */
    hostNamePrefix?: string
  },
): Running {
  const stop = new AbortController()
  const log = deps.log.child({ component: "proxy" })
  const { mode, clusterCidr, hostNamePrefix, ...rest } = opts
  const names = hostNames(hostNamePrefix)
  const backend =
    mode === "nftables"
      ? new NftablesProxy({
          clusterCidr: clusterCidr?.text ?? "10.244.0.0/16",
          serviceCidr: opts.serviceCidr.text,
          nodeAddresses: [opts.nodeAddress],
          alias: (ip) => mapAddress(ip, opts.serviceCidr, opts.loopbackRange),
          table: names.proxyTable,
          serviceRouteDevice: names.serviceDevice,
          routeLocalnet: [names.bridge],
          log,
        })
      : undefined
  const proxy = new Proxy({ client: deps.client, ...rest, ...(backend ? { backend } : {}), log })
  return { name: "proxy", done: proxy.run(stop.signal), stop }
}

/**
 * Starts cluster DNS on the service range's 10th address mapped into the loopback range (where
 * pods on the host network reach it), and keeps the kube-dns Service pointing there. Resolves
 * once listening, with the address. With `clusterIPs`, answers carry the ClusterIPs themselves
 * (sandboxed pods reach them through the kernel proxy, and the DNS through the kube-dns
 * ClusterIP's DNAT), otherwise their loopback mappings.
 */
export async function startDns(
  deps: ComponentDeps,
  opts: {
    domain: string
    serviceCidr: Cidr
    loopbackRange: Cidr
    port: number
    metricsPort?: number
    forward: boolean
    clusterIPs?: boolean
  },
): Promise<Running & { readonly address: string; readonly port: number; readonly metricsPort?: number }> {
  const stop = new AbortController()
  const log = deps.log.child({ component: "dns" })
  const clusterIP = cidrAddress(opts.serviceCidr, 10)
  const host = mapAddress(clusterIP, opts.serviceCidr, opts.loopbackRange) ?? clusterIP
  const dns = new ClusterDns({
    client: deps.client,
    domain: opts.domain,
    host,
    port: opts.port,
    ...(opts.clusterIPs
      ? {}
      : { serviceAddress: (ip: string) => mapAddress(ip, opts.serviceCidr, opts.loopbackRange) ?? ip }),
    // Never forward to ourselves.
    ...(opts.forward ? { upstreams: hostResolvers().filter((ip) => ip !== host) } : {}),
    ...(opts.metricsPort !== undefined ? { metricsPort: opts.metricsPort } : {}),
    log,
  })
  const port = await dns.listen()
  // Metrics it cannot serve (the port taken) cost the cluster its DNS metrics, not its DNS.
  const metricsPort = await dns.serveMetrics().catch((err: unknown) => {
    log.warn({ port: opts.metricsPort, err: String(err) }, "Cannot serve DNS metrics: set --dns-metrics-port")
    return undefined
  })
  const service = runKubeDnsService(
    { client: deps.client, clock: deps.clock, log },
    { clusterIP, endpointIP: host, endpointPort: port, ...(metricsPort ? { metricsPort } : {}) },
    stop.signal,
  )
  const done = Promise.all([dns.run(stop.signal), service]).then(() => undefined)
  return { name: "dns", done, stop, address: host, port, ...(metricsPort ? { metricsPort } : {}) }
}

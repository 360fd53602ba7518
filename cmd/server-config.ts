/** `k8ts server`'s flags (each with a K8TS_* environment equivalent), parsed and checked. */
import { homedir, hostname } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import {
  DEFAULT_CONTAINER_LOG_MAX_FILES,
  DEFAULT_CONTAINER_LOG_MAX_SIZE,
  validateLogPolicy,
} from "../src/kubelet/index.ts"
import { DEFAULT_HOST_NAME_PREFIX, hostNames } from "../src/network/index.ts"
import { type AuthorizationMode, authorizationModeErrors } from "../src/apiserver/index.ts"
import { type Cidr, parseCidr } from "../src/util/index.ts"

/** The components `--disable` can leave out. */
export const COMPONENTS = ["scheduler", "controller-manager", "kubelet", "proxy", "dns"] as const
export type Component = (typeof COMPONENTS)[number]

/** The proxy backends `--proxy-mode` names. */
export const PROXY_MODES = ["userspace", "nftables"] as const
export type ProxyMode = (typeof PROXY_MODES)[number]

/** How pods get their network (`--pod-network`). */
export const POD_NETWORKS = ["loopback", "bridge", "cni"] as const
export type PodNetworkMode = (typeof POD_NETWORKS)[number]

/** The container runtimes `--runtime` names. */
export const RUNTIMES = ["process", "hollow"] as const
export type Runtime = (typeof RUNTIMES)[number]

export const HELP = `Usage: k8ts server [flags]

Flags (environment variable in brackets):
  --data-dir DIR          state directory (default ~/.k8ts, or /var/lib/k8ts as root)    [K8TS_DATA_DIR]
  --datastore URL         sqlite:///path/state.db (default: <data-dir>/state.db), memory://,
                          etcd://host:port[,host:port]                                    [K8TS_DATASTORE]
  --bind-address ADDR     address to listen on (default 127.0.0.1)                       [K8TS_BIND_ADDRESS]
  --port N                API port (default 6443; 0 picks a free one)                     [K8TS_PORT]
  --cluster-cidr CIDR     pod network (default 10.244.0.0/16)                             [K8TS_CLUSTER_CIDR]
  --service-cidr CIDR     service network (default 10.96.0.0/12; its first address is
                          the kubernetes Service)                                         [K8TS_SERVICE_CIDR]
  --cluster-domain NAME   cluster DNS domain (default cluster.local)                      [K8TS_CLUSTER_DOMAIN]
  --runtime NAME          this node's container runtime: process or hollow (simulated
                          containers, for testing the control plane) (default process)   [K8TS_RUNTIME]
  --node-name NAME        this node's name (default: the host name)                       [K8TS_NODE_NAME]
  --kubelet-port N        the kubelet's API port (default 10250; 0 picks a free one)      [K8TS_KUBELET_PORT]
  --max-pods N            pods this node runs at most: its capacity and allocatable
                          \`pods\` (default 110, as the kubelet's --max-pods)               [K8TS_MAX_PODS]
  --pod-network MODE      loopback (pods share the host network, each on a loopback
                          address; unprivileged), bridge (root: each pod its own
                          namespaces, cgroups and an address from the node's podCIDR on a
                          node bridge) or cni (root: the same through CNI plugins)
                          (default loopback)                                              [K8TS_POD_NETWORK]
  --cni-conf-dir DIR      CNI network configurations (default /etc/cni/net.d)            [K8TS_CNI_CONF_DIR]
  --cni-bin-dir DIR       CNI plugin binaries (default /usr/lib/cni)                      [K8TS_CNI_BIN_DIR]
  --host-name-prefix P    names of what the server makes on the machine: bridge P0,
                          service route device P-svc0, nftables tables P-proxy,
                          P-hostports, P-cni-guard (default k8ts; give each server on one
                          machine its own)                                                [K8TS_HOST_NAME_PREFIX]
  --pod-loopback-range CIDR  addresses of pods without their own network (the process
                          runtime, unprivileged) (default 127.244.0.0/16)                 [K8TS_POD_LOOPBACK_RANGE]
  --container-log-max-size Q  rotate a container's log past this size (default 10Mi)    [K8TS_CONTAINER_LOG_MAX_SIZE]
  --container-log-max-files N  log files kept per container, the live one included
                          (default 5; at least 2)                                         [K8TS_CONTAINER_LOG_MAX_FILES]
  --keep-containers       on SIGTERM or SIGINT leave the process runtime's containers
                          running for the next start on this data dir to adopt (a
                          restart; loopback pods only) instead of stopping them           [K8TS_KEEP_CONTAINERS]
  --service-loopback-range CIDR  where the proxy serves ClusterIPs for such pods, address
                          for address from the service range (default 127.96.0.0/12)     [K8TS_SERVICE_LOOPBACK_RANGE]
  --proxy-mode MODE       the service proxy: userspace (TCP/UDP in Node on the loopback
                          mappings) or nftables (kernel DNAT on the ClusterIPs, root only)
                          (default userspace; nftables with --pod-network bridge or cni)  [K8TS_PROXY_MODE]
  --proxy-min-sync-period D  least time between two syncs of the proxy's rules, e.g. 1s;
                          0s programs every change at once (default 1s, kube-proxy's
                          --iptables-min-sync-period / minSyncPeriod)                     [K8TS_PROXY_MIN_SYNC_PERIOD]
  --dns-port N            the cluster DNS port, on the service range's 10th address mapped
                          into the loopback range (default 53; 0 picks a free one)        [K8TS_DNS_PORT]
  --dns-metrics-port N    CoreDNS's request metrics at http://<DNS address>:N/metrics
                          (default 9153; 0 picks a free one)                              [K8TS_DNS_METRICS_PORT]
  --dns-forward           forward names outside the cluster domain to the resolvers of
                          /etc/resolv.conf (default: refuse them)                         [K8TS_DNS_FORWARD]
  --disable LIST          components not to run, comma-separated: ${COMPONENTS.join(", ")}
                                                                                          [K8TS_DISABLE]
  --controllers LIST      controllers to run: * for all, name to enable, -name to disable
                          (default *)                                                     [K8TS_CONTROLLERS]
  --scheduler-config FILE a KubeSchedulerConfiguration (YAML) for the scheduler           [K8TS_SCHEDULER_CONFIG]
  --metric-resolution D    how often kubelets' usage is scraped for metrics.k8s.io, e.g.
                          15s (default 15s, as metrics-server)                            [K8TS_METRIC_RESOLUTION]
  --token-auth-file FILE  static bearer tokens: token,user,uid,"group1,group2" per line  [K8TS_TOKEN_AUTH_FILE]
  --authorization-mode LIST  the authorizers asked, in order, after system:masters:
                          AlwaysAllow, AlwaysDeny, Node, RBAC, comma-separated
                          (default AlwaysAllow; Node also admits with NodeRestriction)    [K8TS_AUTHORIZATION_MODE]
  --component-threads N   worker threads the controller manager, scheduler and hollow
                          kubelet run in, talking to the API server over a message port;
                          0 runs them on the API server's thread (default 0)              [K8TS_COMPONENT_THREADS]
  --log-level LEVEL       trace, debug, info, warn, error (default info)                  [K8TS_LOG_LEVEL]
  --log-format FORMAT     text or json (default text)                                     [K8TS_LOG_FORMAT]`

const OPTIONS = {
  "data-dir": { type: "string" },
  datastore: { type: "string" },
  "bind-address": { type: "string" },
  port: { type: "string" },
  "cluster-cidr": { type: "string" },
  "service-cidr": { type: "string" },
  "cluster-domain": { type: "string" },
  runtime: { type: "string" },
  "node-name": { type: "string" },
  "component-threads": { type: "string" },
  "kubelet-port": { type: "string" },
  "max-pods": { type: "string" },
  "pod-loopback-range": { type: "string" },
  "pod-network": { type: "string" },
  "cni-conf-dir": { type: "string" },
  "cni-bin-dir": { type: "string" },
  "host-name-prefix": { type: "string" },
  "service-loopback-range": { type: "string" },
  "container-log-max-size": { type: "string" },
  "container-log-max-files": { type: "string" },
  "proxy-mode": { type: "string" },
  "proxy-min-sync-period": { type: "string" },
  "dns-port": { type: "string" },
  "dns-metrics-port": { type: "string" },
  "dns-forward": { type: "boolean" },
  "keep-containers": { type: "boolean" },
  disable: { type: "string", multiple: true },
  controllers: { type: "string" },
  "token-auth-file": { type: "string" },
  "authorization-mode": { type: "string", multiple: true },
  "scheduler-config": { type: "string" },
  "metric-resolution": { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const

/** The server's settings. */
export interface ServerConfig {
  readonly dataDir: string
  readonly datastore: string
  readonly host: string
  readonly port: number
  readonly clusterCidr: Cidr
  readonly serviceCidr: Cidr
  readonly clusterDomain: string
  readonly runtime: Runtime
  readonly nodeName: string
  readonly kubeletPort: number
  /** --max-pods: the node's pods capacity. */
  readonly maxPods: number
  /** --component-threads: worker threads for the components that only need a client. */
  readonly componentThreads: number
  readonly podLoopbackRange: Cidr
  readonly podNetwork: PodNetworkMode
  readonly cniConfDir: string
  readonly cniBinDir: string
  /** --host-name-prefix: what the bridge, service device and nftables tables are named after. */
  readonly hostNamePrefix: string
  readonly serviceLoopbackRange: Cidr
  /** --container-log-max-size in bytes and --container-log-max-files. */
  readonly containerLogMaxSize: number
  readonly containerLogMaxFiles: number
  readonly proxyMode: ProxyMode
  /** --proxy-min-sync-period in milliseconds. */
  readonly proxyMinSyncPeriodMs: number
  readonly dnsPort: number
  /** Where the DNS serves its request metrics. */
  readonly dnsMetricsPort: number
  /** Forward names outside the cluster domain to the host's resolvers. */
  readonly dnsForward: boolean
  /** Leave the containers running on exit, for the next start to adopt. */
  readonly keepContainers: boolean
  readonly disabled: ReadonlySet<Component>
  readonly controllers: readonly string[]
  readonly tokenFile?: string
  /** --authorization-mode: the authorizers after system:masters, in order. */
  readonly authorizationModes: readonly AuthorizationMode[]
  readonly schedulerConfig?: string
  /** --metric-resolution in milliseconds. */
  readonly metricResolutionMs: number
  readonly logLevel: string
  readonly logFormat: "text" | "json"
}

/** A flag or environment value that cannot be used. */
export class ConfigError extends Error {
  override name = "ConfigError"
}

function envOf(name: string): string | undefined {
  return process.env[`K8TS_${name.toUpperCase().replaceAll("-", "_")}`]
}

function cidrFlag(name: string, value: string): Cidr {
  try {
    return parseCidr(value)
  } catch (err) {
    throw new ConfigError(`--${name}: ${(err as Error).message}`)
  }
}

function listOf(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean)
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`--${name}: unknown value "${value}" (expected one of: ${allowed.join(", ")})`)
  }
  return value as T
}

function durationMs(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value)
  if (!m) throw new ConfigError(`--${flag}: not a duration: "${value}"`)
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as "ms" | "s" | "m"]
}

function portOf(value: string, flag = "port"): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) throw new ConfigError(`--${flag}: not a port number: "${value}"`)
  return port
}

function loopbackFlag(name: string, value: string): Cidr {
  const cidr = cidrFlag(name, value)
  if (!cidr.text.startsWith("127.") || cidr.prefix < 8) {
    throw new ConfigError(`--${name}: ${value} is not in the loopback range 127.0.0.0/8`)
  }
  return cidr
}

/** --max-pods: a whole number, 0 or more (the kubelet refuses a negative one). */
function maxPodsOf(value: string): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(`--max-pods: not a whole number of pods: "${value}"`)
  return Number(value)
}

/** The kubelet's log rotation flags. */
function logFlags(str: (name: string) => string | undefined): {
  containerLogMaxSize: number
  containerLogMaxFiles: number
} {
  const size = str("container-log-max-size") ?? DEFAULT_CONTAINER_LOG_MAX_SIZE
  const files = str("container-log-max-files") ?? String(DEFAULT_CONTAINER_LOG_MAX_FILES)
  if (!/^\d+$/.test(files)) throw new ConfigError(`--container-log-max-files: not a number: "${files}"`)
  try {
    return {
      containerLogMaxSize: validateLogPolicy(size, Number(files)),
      containerLogMaxFiles: Number(files),
    }
  } catch (err) {
    throw new ConfigError(`--container-log-max-size/--container-log-max-files: ${(err as Error).message}`)
  }
}

/** The kubelet's own flags. */
function nodeFlags(
  str: (name: string) => string | undefined,
  keep: boolean,
): {
  keepContainers: boolean
  kubeletPort: number
  maxPods: number
  podLoopbackRange: Cidr
  serviceLoopbackRange: Cidr
  containerLogMaxSize: number
  containerLogMaxFiles: number
} {
  return {
    ...logFlags(str),
    keepContainers: keep || envOf("keep-containers") === "true",
    kubeletPort: portOf(str("kubelet-port") ?? "10250", "kubelet-port"),
    maxPods: maxPodsOf(str("max-pods") ?? "110"),
    podLoopbackRange: loopbackFlag("pod-loopback-range", str("pod-loopback-range") ?? "127.244.0.0/16"),
    serviceLoopbackRange: loopbackFlag(
      "service-loopback-range",
      str("service-loopback-range") ?? "127.96.0.0/12",
    ),
  }
}

/**
 * --proxy-mode, checked against the privileges it needs; nftables by default for pods with
 * their own network, which the userspace proxy's loopback addresses cannot serve.
 */
function proxyModeFlag(value: string | undefined, podNetwork: PodNetworkMode): ProxyMode {
  const sandboxed = podNetwork !== "loopback"
  const mode = oneOf("proxy-mode", value ?? (sandboxed ? "nftables" : "userspace"), PROXY_MODES)
  if (mode === "userspace" && sandboxed) {
    throw new ConfigError(
      `--proxy-mode: userspace serves services on loopback addresses, which pods on --pod-network=${podNetwork} cannot reach (use --proxy-mode=nftables)`,
    )
  }
  if (mode === "nftables" && process.getuid?.() !== 0) {
    throw new ConfigError("--proxy-mode: nftables needs root (run as root or use --proxy-mode=userspace)")
  }
  return mode
}

/** The pod network's flags. @throws ConfigError for bridge or cni without root */
function podNetworkFlags(
  str: (name: string) => string | undefined,
): Pick<ServerConfig, "podNetwork" | "cniConfDir" | "cniBinDir" | "hostNamePrefix"> {
  const podNetwork = oneOf("pod-network", str("pod-network") ?? "loopback", POD_NETWORKS)
  if (podNetwork !== "loopback" && process.getuid?.() !== 0) {
    throw new ConfigError(
      `--pod-network=${podNetwork} needs root (it makes network namespaces, veths and cgroups); run k8ts as root or use --pod-network=loopback`,
    )
  }
  return {
    podNetwork,
    cniConfDir: resolve(str("cni-conf-dir") ?? "/etc/cni/net.d"),
    cniBinDir: resolve(str("cni-bin-dir") ?? "/usr/lib/cni"),
    hostNamePrefix: hostNamePrefixFlag(str("host-name-prefix")),
  }
}

function hostNamePrefixFlag(value: string | undefined): string {
  try {
    hostNames(value)
  } catch (err) {
    throw new ConfigError(`--host-name-prefix: ${(err as Error).message}`)
  }
  return value ?? DEFAULT_HOST_NAME_PREFIX
}

/** The file flags that have no default. */
function optionalFiles(
  str: (name: string) => string | undefined,
): Pick<ServerConfig, "tokenFile" | "schedulerConfig"> {
  const tokenFile = str("token-auth-file")
  const schedulerConfig = str("scheduler-config")
  return {
    ...(tokenFile ? { tokenFile } : {}),
    ...(schedulerConfig ? { schedulerConfig: resolve(schedulerConfig) } : {}),
  }
}

/** Cluster DNS's flags. */
function dnsFlags(
  str: (name: string) => string | undefined,
  forward: boolean,
): { dnsPort: number; dnsMetricsPort: number; dnsForward: boolean } {
  return {
    dnsPort: portOf(str("dns-port") ?? "53", "dns-port"),
    dnsMetricsPort: portOf(str("dns-metrics-port") ?? "9153", "dns-metrics-port"),
    dnsForward: forward || envOf("dns-forward") === "true",
  }
}

/**
 * Component threads by default: none. A thread's components share one port, each watch line
 * crossing it once and parsed once there, which makes the scheduler bench spend a quarter less
 * CPU per pod (0.43-0.51 ms against 0.60-0.68) but costs the controllers bench's rollout a
 * fifth more (2.1-2.3 s against 1.95 s): it is a chain of writes, each waiting for the other
 * thread to wake, and on a shared two-core machine neither wall time won clearly.
 * Measured again at load 6-10 on two cores, taking turns: the scheduler bench ran 2.2-2.9x as
 * many pods/s on 5,000 nodes in a thread (530 and 831 against 236 and 290), but the controllers
 * bench's rollout took longer (10.8-16.8 s against 7.8-11.4 s) and so did its bare writes,
 * though the API server's thread spent 1.2-1.8 s on the rollout against 2.9-3.3 s: both threads
 * sit 55-70% busy, waiting on each other's wake-ups.
 */
export function defaultComponentThreads(): number {
  return 0
}

/** --component-threads: a whole number; none by default. */
function componentThreadsOf(value: string | undefined): number {
  if (value === undefined) return defaultComponentThreads()
  if (!/^\d+$/.test(value)) throw new ConfigError(`--component-threads: not a whole number: "${value}"`)
  return Number(value)
}

/** --authorization-mode, checked as upstream checks it. */
function authorizationModesOf(flag: readonly string[] | undefined): AuthorizationMode[] {
  const env = envOf("authorization-mode")
  const modes = listOf(flag ?? [env ?? "AlwaysAllow"])
  const errs = authorizationModeErrors(modes)
  if (errs.length) throw new ConfigError(`--authorization-mode: ${errs.join("; ")}`)
  return modes as AuthorizationMode[]
}

/** The API server's own flags. */
function apiFlags(
  str: (name: string) => string | undefined,
  modes: readonly string[] | undefined,
): { metricResolutionMs: number; authorizationModes: AuthorizationMode[] } {
  return {
    metricResolutionMs: durationMs("metric-resolution", str("metric-resolution") ?? "15s"),
    authorizationModes: authorizationModesOf(modes),
  }
}

/**
 * Parses `argv` with the environment as fallback; `help` when --help was given.
 * @throws ConfigError for a value that cannot be used
 */
export function parseServerConfig(argv: string[]): ServerConfig | "help" {
  let values: Record<string, string | string[] | boolean | undefined>
  try {
    values = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }).values
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
  if (values.help) return "help"
  const str = (name: string): string | undefined => {
    const v = values[name]
    return typeof v === "string" ? v : envOf(name)
  }
  const isRoot = process.getuid?.() === 0
  const dataDir = resolve(str("data-dir") ?? (isRoot ? "/var/lib/k8ts" : join(homedir(), ".k8ts")))
  const disableFlag = values.disable as string[] | undefined
  const disabled = listOf(disableFlag ?? (envOf("disable") ? [envOf("disable") as string] : []))
  const podNetwork = podNetworkFlags(str)
  const config: ServerConfig = {
    dataDir,
    datastore: str("datastore") ?? `sqlite://${join(dataDir, "state.db")}`,
    host: str("bind-address") ?? "127.0.0.1",
    port: portOf(str("port") ?? "6443"),
    clusterCidr: cidrFlag("cluster-cidr", str("cluster-cidr") ?? "10.244.0.0/16"),
    serviceCidr: cidrFlag("service-cidr", str("service-cidr") ?? "10.96.0.0/12"),
    clusterDomain: str("cluster-domain") ?? "cluster.local",
    runtime: oneOf("runtime", str("runtime") ?? "process", RUNTIMES),
    nodeName: (str("node-name") ?? hostname()).toLowerCase(),
    ...nodeFlags(str, values["keep-containers"] === true),
    ...podNetwork,
    proxyMode: proxyModeFlag(str("proxy-mode"), podNetwork.podNetwork),
    proxyMinSyncPeriodMs: durationMs("proxy-min-sync-period", str("proxy-min-sync-period") ?? "1s"),
    ...dnsFlags(str, values["dns-forward"] === true),
    disabled: new Set(disabled.map((c) => oneOf("disable", c, COMPONENTS))),
    controllers: listOf([str("controllers") ?? "*"]),
    ...optionalFiles(str),
    ...apiFlags(str, values["authorization-mode"] as string[] | undefined),
    componentThreads: componentThreadsOf(str("component-threads")),
    logLevel: str("log-level") ?? "info",
    logFormat: str("log-format") === "json" ? "json" : "text",
  }
  checkServiceLoopbackRange(config)
  return config
}

/**
 * Pods without their own network reach each ClusterIP at its loopback address, address for address
 * from the service range: a loopback range smaller than the service range would leave the
 * ClusterIPs past its end with no address anything serves.
 */
function checkServiceLoopbackRange(c: ServerConfig): void {
  if (c.podNetwork !== "loopback" || c.serviceLoopbackRange.size >= c.serviceCidr.size) return
  throw new ConfigError(
    `--service-loopback-range: ${c.serviceLoopbackRange.text} has ${c.serviceLoopbackRange.size} addresses, ` +
      `fewer than the ${c.serviceCidr.size} of --service-cidr ${c.serviceCidr.text}; each ClusterIP needs one ` +
      `(give a larger loopback range or a smaller service CIDR)`,
  )
}

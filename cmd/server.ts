/**
 * `k8ts server`: a whole single-node cluster in one process. Opens the store, serves the
 * Kubernetes API over HTTPS, keeps the `kubernetes` Service pointing at it, and runs the
 * control-plane components through in-process clients. Stops them in reverse order on
 * SIGTERM or SIGINT.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { collectDefaultMetrics, Registry } from "prom-client"
import {
  apiServerNames,
  createApiServer,
  createAuthenticator,
  ensurePki,
  ensureServiceAccountKey,
  HEALTH_AND_VERSION,
  defaultIssuer,
  listen,
  waitForReadyz,
  type HealthProbe,
  type Pki,
} from "../src/apiserver/index.ts"
import {
  type Client,
  countRestClientRequests,
  InProcessClient,
  isControllerEnabled,
} from "../src/client/index.ts"
import { openStore } from "../src/storage/index.ts"
import { cidrAddress, createLogger, joinHostPort, realClock } from "../src/util/index.ts"
import { type ComponentTask, componentTask } from "./component-task.ts"
import { type ComponentRunnerOptions, startComponentTasks } from "./component-threads.ts"
import {
  type ComponentDeps,
  type Running,
  startControllerManager,
  startDns,
  startHollowKubelet,
  startKubelet,
  startProxy,
  startScheduler,
} from "./components.ts"
import { waitForDefaultServiceAccount } from "./default-service-account.ts"
import { writeKubeconfig } from "./kubeconfig.ts"
import type { PodNetworkSettings } from "./pod-network.ts"
import { ConfigError, HELP, parseServerConfig, type ServerConfig } from "./server-config.ts"
import { storeDrivers } from "./store-drivers.ts"

function configOf(argv: string[]): ServerConfig | undefined {
  try {
    const config = parseServerConfig(argv)
    if (config !== "help") return config
    console.log(HELP)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(`k8ts server: ${err.message}\n\nRun 'k8ts server --help' for the flags.`)
    process.exitCode = 2
  }
  return undefined
}

/** The address this machine's clients reach the server at. */
function reachable(config: ServerConfig): string {
  return config.host === "0.0.0.0" ? "127.0.0.1" : config.host
}

/** The addresses the serving certificate must name. */
function servingHosts(config: ServerConfig, kubernetesIP: string): string[] {
  return [...new Set([reachable(config), "127.0.0.1", kubernetesIP, ...apiServerNames(config.clusterDomain)])]
}

/** The components that need only a client, as tasks a component thread can run. */
function clientTasks(config: ServerConfig, pki: Pki): ComponentTask[] {
  const tasks: ComponentTask[] = []
  const module = new URL("./components.ts", import.meta.url).href
  if (!config.disabled.has("controller-manager")) {
    tasks.push(
      componentTask("controller-manager", module, startControllerManager, {
        enabled: config.controllers,
        rootCaPem: pki.ca.cert,
        // csrsigning signs with the cluster CA, in memory (upstream: --cluster-signing-{cert,key}-file).
        clusterSigning: pki.ca,
        clusterCidr: config.clusterCidr.text,
        storageDir: join(config.dataDir, "storage"),
      }),
    )
  }
  if (!config.disabled.has("scheduler")) {
    const opts = config.schedulerConfig ? { configFile: config.schedulerConfig } : {}
    tasks.push(componentTask("scheduler", module, startScheduler, opts))
  }
  if (!config.disabled.has("kubelet") && config.runtime === "hollow") {
    tasks.push(
      componentTask("kubelet", module, startHollowKubelet, {
        nodeName: config.nodeName,
        address: reachable(config),
        podCIDR: podCidrOf(config),
        port: config.kubeletPort,
        maxPods: config.maxPods,
        tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
      }),
    )
  }
  return tasks
}

/** This node's pod range. */
function podCidrOf(config: ServerConfig): string {
  return `${cidrAddress(config.clusterCidr, 0)}/24`
}

/** What the log says once a client task started. */
const STARTED: Readonly<Record<string, (config: ServerConfig) => string>> = {
  "controller-manager": () => "Controller manager started",
  scheduler: () => "Scheduler started",
  kubelet: (config) =>
    `Hollow node ${config.nodeName} started (simulated containers; pod range ${podCidrOf(config)})`,
}

/**
 * The User-Agent each component's requests carry: upstream's binary names, as its field managers
 * show them (`kubectl get -o yaml --show-managed-fields`, tools that ignore fields by manager).
 */
const COMPONENT_USER_AGENTS: Readonly<Record<string, string>> = {
  "controller-manager": "kube-controller-manager",
  scheduler: "kube-scheduler",
  kubelet: "kubelet",
  proxy: "kube-proxy",
  dns: "coredns",
}

/** Starts what the config enables besides the API server; returns them in start order. */
async function startComponents(
  config: ServerConfig,
  deps: ComponentDeps & { readonly clientOf: (component: string) => Client },
  runner: ComponentRunnerOptions,
  pki: Pki,
  step: (component: string, msg: string) => void,
): Promise<Running[]> {
  const own = (component: string): ComponentDeps => ({ ...deps, client: deps.clientOf(component) })
  const running: Running[] = []
  for (const c of await startComponentTasks(clientTasks(config, pki), runner)) {
    running.push(c)
    const where = c.thread === "main" ? "" : ` (component ${c.thread})`
    step(c.name, `${STARTED[c.name]?.(config) ?? `${c.name} started`}${where}`)
  }
  if (!config.disabled.has("kubelet") && config.runtime !== "hollow") {
    const kubelet = await startKubelet(own("kubelet"), {
      nodeName: config.nodeName,
      address: reachable(config),
      dataDir: config.dataDir,
      clusterDomain: config.clusterDomain,
      podCIDR: `${cidrAddress(config.clusterCidr, 0)}/24`,
      podLoopbackRange: config.podLoopbackRange.text,
      port: config.kubeletPort,
      maxPods: config.maxPods,
      containerLogMaxSize: config.containerLogMaxSize,
      containerLogMaxFiles: config.containerLogMaxFiles,
      keepContainers: config.keepContainers,
      services: { cidr: config.serviceCidr, loopback: config.serviceLoopbackRange },
      tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
      ...podNetworkOf(config),
    })
    running.push(kubelet)
    const pods =
      config.podNetwork === "loopback" ? config.podLoopbackRange.text : `the ${config.podNetwork} pod network`
    step("kubelet", `Node ${config.nodeName} started (process runtime; pods on ${pods})`)
  }
  if (!config.disabled.has("proxy")) {
    running.push(
      startProxy(own("proxy"), {
        nodeName: config.nodeName,
        nodeAddress: reachable(config),
        serviceCidr: config.serviceCidr,
        loopbackRange: config.serviceLoopbackRange,
        mode: config.proxyMode,
        minSyncPeriodMs: config.proxyMinSyncPeriodMs,
        clusterCidr: config.clusterCidr,
        hostNamePrefix: config.hostNamePrefix,
      }),
    )
    step("proxy", `Proxy started (${config.proxyMode}; services on ${config.serviceLoopbackRange.text})`)
  }
  if (!config.disabled.has("dns")) {
    // A port it may not bind (53 without root, or taken) costs the cluster its DNS, not its life.
    const dns = await startDns(own("dns"), {
      domain: config.clusterDomain,
      serviceCidr: config.serviceCidr,
      loopbackRange: config.serviceLoopbackRange,
      port: config.dnsPort,
      metricsPort: config.dnsMetricsPort,
      forward: config.dnsForward,
      clusterIPs: config.podNetwork !== "loopback",
    }).catch((err: unknown) => {
      deps.log.warn(
        { component: "dns", err: String(err) },
        "Cannot serve cluster DNS: set --dns-port or --disable dns",
      )
      return undefined
    })
    if (dns) {
      running.push(dns)
      const metrics = dns.metricsPort ? `; metrics on http://${dns.address}:${dns.metricsPort}/metrics` : ""
      step("dns", `DNS serving ${config.clusterDomain} on ${dns.address}:${dns.port} (UDP and TCP)${metrics}`)
    }
  }
  return running
}

/** Runs the server until SIGINT or SIGTERM. */
export async function runServer(argv: string[]): Promise<void> {
  const config = configOf(argv)
  if (!config) return
  const started = performance.now()
  mkdirSync(config.dataDir, { recursive: true })
  const log = createLogger({ level: config.logLevel, format: config.logFormat })
  const step = (component: string, msg: string) =>
    log.info({ component, ms: Math.round(performance.now() - started) }, msg)
  const metrics = new Registry()
  collectDefaultMetrics({ register: metrics })

  const store = await openStore(
    config.datastore,
    storeDrivers(config.dataDir, log.child({ component: "storage" })),
  )
  step("storage", `Store open (${config.datastore.split("://")[0]})`)
  const kubernetesIP = cidrAddress(config.serviceCidr, 1)
  const pki = await ensurePki(join(config.dataDir, "pki"), servingHosts(config, kubernetesIP))
  const saKey = ensureServiceAccountKey(join(config.dataDir, "pki"))
  step("pki", "Certificates ready")
  const probes: Record<string, HealthProbe | undefined> = {} // filled once the components start
  const api = createApiServer({
    store,
    componentHealth: () => probes,
    log: log.child({ component: "apiserver" }),
    advertiseAddress: `${config.host}:${config.port}`,
    authenticate: createAuthenticator(config.tokenFile ? { tokenFile: config.tokenFile } : {}),
    allowAnonymous: false,
    // Health and version stay open to probes without credentials, on the exact paths upstream's
    // system:public-info-viewer allows (/version/ too; /readyz/ping asks credentials).
    anonymousPaths: HEALTH_AND_VERSION,
    authorizationModes: config.authorizationModes,
    serviceCidr: config.serviceCidr,
    kubeletClient: { tls: { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key } },
    metricResolutionMs: config.metricResolutionMs,
    metrics,
    serviceAccountTokens: { key: saKey, issuer: defaultIssuer(config.clusterDomain) },
    kubernetesService: true,
    autoregister:
      !config.disabled.has("controller-manager") && isControllerEnabled("autoregister", config.controllers),
  })
  const apiStop = new AbortController()
  const apiDone = api.run(apiStop.signal)
  // A post-start hook that kept failing (logged by the API server) stops k8ts, as it stops
  // upstream's kube-apiserver.
  await api.ready().catch(() => process.exit(1))
  const server = await listen(api, {
    host: config.host,
    port: config.port,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true },
  })
  step("apiserver", `Serving on ${server.url}`)
  const reach = reachable(config)
  const { done: serviceDone } = await api.startKubernetesService(
    { clusterIP: kubernetesIP, endpointIP: reach, endpointPort: server.port },
    apiStop.signal,
  )
  // The in-process clients' requests, counted as client-go counts them (rest_client_requests_total).
  const handle = countRestClientRequests(api.handle, {
    registry: metrics,
    host: joinHostPort(reach, server.port),
  })
  const client = new InProcessClient(handle, { userAgent: "k8ts-server" })
  // Each component's requests carry upstream's binary name, which names its field manager.
  const clientOf = (component: string) =>
    new InProcessClient(handle, { userAgent: COMPONENT_USER_AGENTS[component] ?? "k8ts-server" })
  // Servers sharing an etcd elect a leader; a server's own store has one candidate.
  const leaderElection = config.datastore.startsWith("etcd") ? "shared" : "sole"
  const components = await startComponents(
    config,
    { client, clientOf, clock: realClock, log, metrics, leaderElection },
    {
      handle,
      userAgent: "k8ts-server",
      userAgentFor: (component) => COMPONENT_USER_AGENTS[component],
      threads: config.componentThreads,
      log,
      logOptions: { level: config.logLevel, format: config.logFormat },
      metrics,
      leaderElection,
    },
    pki,
    step,
  )
  for (const c of components) if (c.health) probes[c.name] = c.health
  if (
    !config.disabled.has("controller-manager") &&
    isControllerEnabled("serviceaccount", config.controllers)
  ) {
    await waitForDefaultServiceAccount(client, log.child({ component: "server" }), apiStop.signal)
  }
  await waitForReadyz(api.handle, {
    clock: realClock,
    log: log.child({ component: "server" }),
    signal: apiStop.signal,
  })
  const kubeconfig = join(config.dataDir, "kubeconfig.yaml")
  writeKubeconfig(kubeconfig, { server: `https://${reach}:${server.port}`, ca: pki.ca.cert, ...pki.admin })
  step("server", `Cluster ready: export KUBECONFIG=${kubeconfig}`)

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ component: "server", signal }, "Shutting down")
    for (const c of [...components].reverse()) {
      c.stop.abort()
      await c.done.catch((err: unknown) =>
        log.warn({ component: c.name, err: String(err) }, "Stopped with an error"),
      )
    }
    await server.close()
    apiStop.abort()
    await Promise.allSettled([apiDone, serviceDone])
    await store.close()
    process.exit(0)
  }
  process.once("SIGINT", () => void shutdown("SIGINT"))
  process.once("SIGTERM", () => void shutdown("SIGTERM"))
}

/** The kubelet's pod network settings, when pods get their own network. */
function podNetworkOf(config: ServerConfig): {
  podNetwork?: Omit<PodNetworkSettings, "nodeName" | "dataDir">
} {
  if (config.podNetwork === "loopback") return {}
  const { podNetwork: mode, cniConfDir, cniBinDir, hostNamePrefix } = config
  const cidrs = { clusterCidr: config.clusterCidr.text, serviceCidr: config.serviceCidr.text }
  return { podNetwork: { mode, cniConfDir, cniBinDir, hostNamePrefix, ...cidrs } }
}

/**
 * The API server: the Kubernetes REST API over a Store. One handler chain (authenticate →
 * impersonate → authorize → route → admit → registry) serves node:http, web fetch and
 * in-process callers.
 */
import {
  ApiError,
  type ApiObject,
  BUILTIN_RESOURCES,
  CustomResourceDefinitions,
  type FieldError,
  type ResourceInfo,
  applyDefaults,
  validateObject,
  type ValidationContext,
  findResource,
  APIServices,
  builtinAPIServiceNames,
} from "../api/index.ts"
import { Registry as MetricsRegistry } from "prom-client"
import type { Node } from "kubernetes-types/core/v1.js"
import {
  parseCidr,
  PROMETHEUS_TEXT_TYPE,
  prometheusText,
  realClock,
  silentLogger,
  whenAborted,
} from "../util/index.ts"
import { SystemNamespaces } from "./system-namespaces.ts"
import { FlowControlBootstrap } from "./flowcontrol-bootstrap.ts"
import { FlowSchemaStatusController } from "./flowcontrol-status.ts"
import { convert } from "./conversion.ts"
import { routeNonResource } from "./handlers/non-resource.ts"
import { storeHealthCheck } from "./store-health.ts"
import { type HealthCheck, PostStartHooks } from "./post-start-hooks.ts"
import { addServerHooks, bootstrap } from "./bootstrap.ts"
import { IdentityLease } from "./identity-lease.ts"
import { getMaxListeners, setMaxListeners } from "node:events"
import { hostname } from "node:os"
import { apiServicesAvailableCheck } from "./autoregister-completion.ts"
import { routeResource } from "./handlers/route.ts"
import type { ServerParts } from "./handlers/context.ts"
import { type ApiRequest, type ApiResponse, fromFetch, isBodyTooLarge, toFetch } from "./http.ts"
import { startKubernetesService } from "./kubernetes-service.ts"
import { createApiMetrics } from "./metrics.ts"
import { InflightRequests } from "./inflight.ts"
import { registerStorageObjects } from "./storage-objects.ts"
import { ANONYMOUS, unionAuthenticators } from "./authn.ts"
import { authorizationOf, authorizeRequest } from "./request-authorization.ts"
import { rbacEscalationGuard } from "./rbac/index.ts"
import { impersonatedUser } from "./impersonation.ts"
import {
  type ObjectLookup,
  isIssuerDiscoveryPath,
  serveIssuerDiscovery,
  serviceAccountAuthenticator,
} from "./serviceaccount/index.ts"
import { errorResponse } from "./output.ts"
import { decode, type Served } from "./registry/context.ts"
import { Registry } from "./registry/registry.ts"
import { type RequestInfo, requestInfo } from "./request-info.ts"
import { fromLegacyWatch } from "./legacy-watch.ts"
import { kubeletSummaryFetcher, MetricsScraper } from "./resource-metrics/index.ts"
import { ServiceAddresses } from "./service-addresses.ts"
import { ClusterIPs } from "./cluster-ips.ts"
import { DefaultServiceCIDR } from "./default-service-cidr.ts"
import { ipAddressApi } from "./ip-address-api.ts"
import { WatchCache } from "./watch-cache.ts"
import { compileSelector } from "./dra/index.ts"
import { CrdController } from "./crd/controller.ts"
import { PolicyStatusController, withPolicyExpressionErrors } from "./admission-policy/index.ts"
import { ResourceTable } from "./crd/resource-table.ts"
import type { ApiServer, ApiServerOptions } from "./server-options.ts"
import { prefixOf, servedOf } from "./served.ts"
import { serverAdmission } from "./server-admission.ts"

export type { ApiServer, ApiServerOptions } from "./server-options.ts"
export { servedOf } from "./served.ts"
import { withDeprecationWarning, withRequestWarnings } from "./deprecation.ts"
import { customResourceHooks } from "./crd/hooks.ts"
import { customResourceSchemas } from "./crd/openapi-schema.ts"
import { withConditionErrors } from "./webhook/index.ts"

function defaults(info: ResourceInfo, obj: ApiObject): void {
  applyDefaults(info, obj)
}

/** The validation of a server whose namespaces' labels `namespaceLabels` reads. */
function validator(
  namespaceLabels: ValidationContext["namespaceLabels"],
): (info: ResourceInfo, obj: ApiObject, old?: ApiObject, subresource?: string) => FieldError[] {
  const ctx: ValidationContext = { compileSelector, namespaceLabels }
  return (info, obj, old, subresource) => {
    const errs = withConditionErrors(info, obj, validateObject(info, obj, old, subresource, ctx))
    return withPolicyExpressionErrors(info, obj, old, subresource, errs)
  }
}

/** Creates an API server over `opts.store`. Call `run` to start its watch cache. */
export function createApiServer(opts: ApiServerOptions): ApiServer {
  const clock = opts.clock ?? realClock
  const log = opts.log ?? silentLogger()
  const metricsRegistry = opts.metrics ?? new MetricsRegistry()
  const metrics = createApiMetrics(metricsRegistry)
  const inflight = new InflightRequests(metricsRegistry, clock)
  const store = metrics.instrumentStore(opts.store)
  const cache = new WatchCache(store, decode, log, opts.watchCacheWindow)
  for (const r of BUILTIN_RESOURCES) cache.resource(servedOf(r).prefix)
  const table = new ResourceTable(BUILTIN_RESOURCES, (prefix) => cache.resource(prefix))
  registerStorageObjects(metricsRegistry, {
    resources: () => table.all(),
    served: servedOf,
    count: (prefix) => cache.resource(prefix).objects.size,
  })
  const nsCache = cache.resource("/registry/namespaces/")
  // From the cache: a claim's namespace exists (NamespaceLifecycle admitted it) and is seldom new.
  const validate = validator((name) => {
    const ns = nsCache.objects.get(`/registry/namespaces/${name}`)
    return ns ? (ns.metadata?.labels ?? {}) : undefined
  })
  const custom = customResourceHooks(table, { defaults, validate, convert })
  const storedNamespace = async (name: string) => {
    const e = await store.get(`/registry/namespaces/${name}`)
    return e ? decode(e.value, e.revision) : undefined
  }
  /** A namespace from the watch cache, else (a promise of it) from the store. */
  const namespaceOf = (name: string): ApiObject | undefined | Promise<ApiObject | undefined> =>
    nsCache.objects.get(`/registry/namespaces/${name}`) ?? storedNamespace(name)
  const lookup: ObjectLookup = async (resource, namespace, name) => {
    const info = findResource("", "v1", resource) as ResourceInfo
    return registry.get(servedOf(info), namespace, name).catch((err: unknown) => {
      if (err instanceof ApiError && err.reason === "NotFound") return undefined
      throw err
    })
  }
  const saTokens = opts.serviceAccountTokens
  const rbacCache = (resource: string) =>
    cache.resource(prefixOf("rbac.authorization.k8s.io", "v1", resource))
  const { authorization, policy: rbacPolicy } = authorizationOf(opts, {
    rbac: () => ({
      get lists() {
        return cache.lists
      },
      roles: rbacCache("roles"),
      roleBindings: rbacCache("rolebindings"),
      clusterRoles: rbacCache("clusterroles"),
      clusterRoleBindings: rbacCache("clusterrolebindings"),
    }),
    node: () => ({
      get lists() {
        return cache.lists
      },
      pods: cache.resource("/registry/pods/"),
      persistentVolumes: cache.resource(prefixOf("", "v1", "persistentvolumes")),
      volumeAttachments: cache.resource(prefixOf("storage.k8s.io", "v1", "volumeattachments")),
      resourceSlices: cache.resource(prefixOf("resource.k8s.io", "v1", "resourceslices")),
    }),
  })
  const authorize = authorization.authorize
  const authenticate = unionAuthenticators(
    opts.authenticate,
    saTokens ? serviceAccountAuthenticator(saTokens, lookup, clock) : undefined,
  )
  const admission = serverAdmission({
    opts,
    store,
    clock,
    log,
    cache,
    table,
    custom,
    namespaceOf,
    authorize,
    ...(saTokens ? { serviceAccounts: lookup } : {}),
  })
  const serviceCidr = opts.serviceCidr ?? parseCidr("10.96.0.0/12")
  const isService = (s: Served) => s.info.group === "" && s.info.resource === "services"
  const registry: Registry = new Registry({
    store,
    clock,
    admission,
    ...custom,
    // Upstream's RBAC storage's check, not an admission plugin: never disabled.
    ...(rbacPolicy ? { guard: rbacEscalationGuard({ authorize, policy: rbacPolicy }) } : {}),
    written: (key, value, obj, deleted) => cache.expect(key, value, obj, deleted),
    cached: (s, key) => cache.resource(s.prefix).objects.raw(key),
    allocate: (s, obj, old, dryRun) =>
      isService(s)
        ? addresses
            .allocate(obj, old, dryRun)
            .then(() => (dryRun ? undefined : () => addresses.release(obj, old)))
        : undefined,
    released: async (s, prev, next) => {
      if (isService(s)) await addresses.release(prev, next)
    },
  })
  // ClusterIPs are IPAddress objects written through the registry the hooks above are part of
  const clusterIPs: ClusterIPs = new ClusterIPs(ipAddressApi({ registry, cache, served: servedOf }), {
    range: serviceCidr,
    clock,
    log,
  })
  const addresses: ServiceAddresses = new ServiceAddresses(store, { clusterIPs, log })
  const policyStatus = new PolicyStatusController({ registry, cache, table, served: servedOf, clock, log })
  // Upstream's hooks for the work this server does, in upstream's order.
  const hooks = new PostStartHooks({ clock, log })
  addServerHooks(hooks, opts)
  const defaultServiceCIDR = new DefaultServiceCIDR(
    {
      registry,
      served: servedOf,
      clock,
      log,
      reconciled: () => hooks.finish("start-kubernetes-service-cidr-controller"),
    },
    [serviceCidr.text],
  )
  const apiServices = cache.resource(servedOf(APIServices).prefix)
  const autoregisterCompletion = apiServicesAvailableCheck(builtinAPIServiceNames(), (name) =>
    apiServices.objects.get(`${apiServices.prefix}${name}`),
  )
  const nodesCache = cache.resource(servedOf(findResource("", "v1", "nodes") as ResourceInfo).prefix)
  const scraper = new MetricsScraper({
    nodes: () => nodesCache.objects.values() as Iterable<Node>,
    fetch: opts.summaries ?? (opts.kubeletClient ? kubeletSummaryFetcher(opts.kubeletClient) : undefined),
    clock,
    log,
    ...(opts.metricResolutionMs !== undefined ? { resolutionMs: opts.metricResolutionMs } : {}),
  })
  const parts: ServerParts = {
    resourceMetrics: scraper.points,
    store,
    cache,
    registry,
    clock,
    log,
    served: servedOf,
    kubeletClient: opts.kubeletClient ?? {},
    resources: table,
    authenticate,
    authorization,
    ...(saTokens ? { serviceAccountTokens: { options: saTokens, lookup } } : {}),
    ...(opts.componentHealth ? { componentHealth: opts.componentHealth } : {}),
  }
  const crdController = new CrdController({ registry, cache, table, clock, log, served: servedOf })
  const identity = new IdentityLease({
    registry,
    served: servedOf,
    cache,
    clock,
    log,
    hostname: opts.hostname ?? hostname(),
  })
  const flowControl = new FlowControlBootstrap({ registry, cache, served: servedOf, clock, log })
  const systemNamespaces = new SystemNamespaces({ registry, cache, served: servedOf, clock, log })
  const flowSchemaStatus = new FlowSchemaStatusController({ registry, cache, served: servedOf, clock, log })
  let markReady!: () => void
  let failReady!: (err: unknown) => void
  const readyPromise = new Promise<void>((resolve, reject) => {
    markReady = resolve
    failReady = reject
  })
  // A failed start is run()'s to report as well: nobody need be waiting for readiness.
  readyPromise.catch(() => {})
  let startIdentityLease!: () => void
  const identityStarted = new Promise<void>((r) => (startIdentityLease = r))

  const servicesCache = cache.resource(servedOf(findResource("", "v1", "services") as ResourceInfo).prefix)
  const repairAddresses = () => addresses.repair(servicesCache.objects.values() as Iterable<ApiObject>)

  /** Upstream's repair controllers run every 3 minutes. */
  async function repairLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await clock.sleep(180_000, signal).catch(() => {})
      if (signal.aborted) return
      await repairAddresses().catch((err: unknown) =>
        log.warn({ err: String(err) }, "Cannot repair the service address allocations"),
      )
    }
  }

  // Made once: every request passes it (resource requests without looking at it).
  const nonResourceContext = {
    storeHealth: storeHealthCheck(opts.store, { now: () => clock.now() }),
    bootChecks: (): [string, HealthCheck][] => [
      ...hooks.checks(),
      ...(opts.autoregister
        ? [["autoregister-completion", autoregisterCompletion] as [string, HealthCheck]]
        : []),
    ],
    get resources() {
      return table.all()
    },
    customSchemas: (info: ResourceInfo) => {
      const h = table.handling(info)
      return h ? customResourceSchemas(info, h.schema) : undefined
    },
    advertiseAddress: opts.advertiseAddress ?? "127.0.0.1:6443",
  }

  // Where an unauthenticated request is system:anonymous though anonymous requests are refused.
  const anonymousPaths = new Set(opts.anonymousPaths)

  async function route(req: ApiRequest): Promise<ApiResponse> {
    // In-process callers arrive already authenticated; sockets never set a user.
    if (!req.user) {
      const user = await authenticate(req)
      if (!user && opts.allowAnonymous === false && !anonymousPaths.has(req.path))
        throw new ApiError("Unauthorized", "Unauthorized")
      req.user = user ?? ANONYMOUS
      // Impersonation headers change who the request acts as, once the requestor may impersonate.
      const acting = await impersonatedUser(req, req.user, authorize)
      if (acting) req.user = acting
    }
    const target = fromLegacyWatch(req, (g, v, r) => table.find(g, v, r))
    const ri = requestInfo(target.method, target.path, target.query)
    // Counted while it executes, as upstream's priority-and-fairness filter after authentication.
    const kind = inflight.begin(ri)
    try {
      // Every request, health, version, discovery and openapi included, as upstream's filter.
      if (!authorization.allowsAll) await authorizeRequest(authorize, target, ri)
      return await serve(target, ri)
    } finally {
      inflight.end(kind)
    }
  }

  async function serve(req: ApiRequest, ri: RequestInfo): Promise<ApiResponse> {
    if (req.path === "/metrics" && req.method === "GET") {
      return {
        status: 200,
        headers: { "content-type": PROMETHEUS_TEXT_TYPE },
        body: await prometheusText(metricsRegistry),
      }
    }
    if (saTokens && req.method === "GET" && isIssuerDiscoveryPath(req.path)) {
      return serveIssuerDiscovery(req.path, saTokens, opts.advertiseAddress ?? "127.0.0.1:6443")
    }
    const nonResource = routeNonResource(req, ri, nonResourceContext)
    if (nonResource) return await nonResource
    const started = performance.now()
    const routed = await routeResource(req, ri, parts).catch((err: unknown) => failure(req, err))
    const res = ri.isResource
      ? withDeprecationWarning(routed, table.find(ri.group, ri.version, ri.resource))
      : routed
    // A refusal carries the warnings admission noted before it (a success has them already).
    const warned =
      req.notes?.warnings.length && res.status >= 400 ? withRequestWarnings(res, req.notes.warnings) : res
    return metrics.observe(ri, req.query, req.header("content-type"), warned, started)
  }

  function failure(req: ApiRequest, err: unknown): ApiResponse {
    if (isBodyTooLarge(err)) {
      return errorResponse(
        new ApiError("RequestEntityTooLarge", "Request entity too large: limit is 3145728"),
      )
    }
    if (!(err instanceof ApiError))
      log.error({ err: String((err as Error)?.stack ?? err), path: req.path }, "Request failed")
    return errorResponse(err)
  }

  async function handle(req: ApiRequest): Promise<ApiResponse> {
    try {
      return await route(req)
    } catch (err) {
      return failure(req, err)
    }
  }

  return {
    handle,
    fetch: async (request) => toFetch(await handle(fromFetch(request))),
    async run(signal) {
      // The loops below each wait on the signal (Node warns of a leak past 10 listeners).
      setMaxListeners(Math.max(getMaxListeners(signal), 32), signal)
      // CRDs defined before a restart are served from the start: their objects' caches must
      // exist before the watch cache's first list.
      const { entries } = await store.list(servedOf(CustomResourceDefinitions).prefix)
      for (const e of entries) table.set(decode(e.value as string, e.revision) as never)
      const running = cache.run(signal)
      const crds = crdController.run(signal)
      // A post-start hook that kept failing stops the server, as upstream's (klog.Fatalf): ready()
      // and run() reject with its error.
      const booted = bootstrap({
        cache,
        store,
        registry,
        served: servedOf,
        hooks,
        defaultServiceCIDR,
        startIdentityLease,
        flowControl,
        systemNamespaces,
        repairAddresses,
        log,
        signal,
      }).then(markReady, (err: unknown) => {
        if (signal.aborted) return // stopped while starting: not a failure
        log.error({ err: err instanceof Error ? err.message : String(err) }, "Cannot start the API server")
        failReady(err)
        throw err
      })
      // Stopped already (before the first list is back): nothing waits for a readiness to come.
      const stopped = whenAborted(signal)
      const started = Promise.race([readyPromise, stopped])
      const scraping = started.then(() => scraper.run(signal))
      const leases = Promise.race([identityStarted, stopped]).then(() =>
        Promise.all([identity.run(signal), identity.runCollector(signal)]),
      )
      await Promise.all([
        // The bootstrap waits for the watch cache's first list, which a stop may never see come.
        Promise.race([booted, stopped]),
        running,
        repairLoop(signal),
        crds,
        scraping,
        leases,
        defaultServiceCIDR.run(signal),
        policyStatus.run(signal),
        started.then(() => flowControl.run(signal)),
        flowSchemaStatus.run(signal),
      ])
    },
    ready: () => readyPromise,
    startKubernetesService: (o, signal) =>
      startKubernetesService(
        { registry, serve: servedOf, clock, log, reconciled: () => hooks.finish("bootstrap-controller") },
        o,
        signal,
      ),
    get resources() {
      return table.all()
    },
  }
}

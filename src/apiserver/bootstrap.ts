/**
 * What the API server does once its watch cache has loaded, each step the post-start hook upstream
 * names it after: the system namespaces, the identity Lease (and the collection of expired ones),
 * the system PriorityClasses, the RBAC roles, the API priority and fairness configuration, the
 * default ServiceCIDR, then the repair of the service address allocations.
 */
import { ApiError, findResource, type ResourceInfo } from "../api/index.ts"
import type { Store } from "../storage/index.ts"
import type { DefaultServiceCIDR } from "./default-service-cidr.ts"
import type { FlowControlBootstrap } from "./flowcontrol-bootstrap.ts"
import type { PostStartHooks } from "./post-start-hooks.ts"
import { SYSTEM_PRIORITY_CLASSES } from "./priority.ts"
import { bootstrapRbac } from "./rbac-bootstrap.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"
import type { SystemNamespaces } from "./system-namespaces.ts"
import type { WatchCache } from "./watch-cache.ts"
import type { Logger } from "../util/index.ts"

/** The hooks of this server, in upstream's order; bootstrap-controller when the caller keeps the Service. */
export function addServerHooks(hooks: PostStartHooks, opts: { readonly kubernetesService?: boolean }): void {
  hooks.add(
    "generic-apiserver-start-informers",
    "start-apiextensions-controllers",
    "crd-informer-synced",
    "start-system-namespaces-controller",
    "start-kube-apiserver-identity-lease-controller",
    "start-kube-apiserver-identity-lease-garbage-collector",
    "start-service-ip-repair-controllers",
    "rbac/bootstrap-roles",
    "scheduling/bootstrap-system-priority-classes",
    "priority-and-fairness-config-producer",
    ...(opts.kubernetesService ? ["bootstrap-controller"] : []),
    "start-kubernetes-service-cidr-controller",
  )
}

/** What bootstrap works with. */
export interface BootstrapDeps {
  readonly cache: WatchCache
  readonly store: Store
  readonly registry: Registry
  readonly served: (info: ResourceInfo) => Served
  readonly hooks: PostStartHooks
  readonly defaultServiceCIDR: DefaultServiceCIDR
  /** Starts the identity Lease's renewal and collection loops (kube-system exists by then). */
  readonly startIdentityLease: () => void
  /** The system namespaces controller. */
  readonly systemNamespaces: SystemNamespaces
  /** The API priority and fairness configuration producer. */
  readonly flowControl: FlowControlBootstrap
  /** One pass of the service address repair. */
  readonly repairAddresses: () => Promise<void>
  readonly log: Logger
  /** The server's: a hook's retries stop when it aborts. */
  readonly signal: AbortSignal
}

/** Creates `objects` of `info` that do not exist yet. */
async function createMissing(
  d: BootstrapDeps,
  info: ResourceInfo,
  objects: readonly object[],
): Promise<void> {
  for (const obj of objects) {
    await d.registry.create(d.served(info), "", structuredClone(obj)).catch((err) => {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err
    })
  }
}

/**
 * Runs the steps in order once the cache has loaded, each finishing its hook; resolves once all
 * are done. A failed step is retried (PostStartHooks.run). @throws the failure of a step that
 * kept failing (its hook and those after it stay unfinished): the server must stop, as upstream's
 * does on a failed post-start hook
 */
export async function bootstrap(d: BootstrapDeps): Promise<void> {
  const { hooks, registry, served } = d
  // The CRD controller has started with the server (before the watch cache's first list).
  hooks.finish("start-apiextensions-controllers")
  await d.cache.ready()
  // The watch cache is this server's informers, CRDs included (their objects' caches too).
  hooks.finish("generic-apiserver-start-informers")
  hooks.finish("crd-informer-synced")
  // As upstream's hook: the system namespaces controller starts and the hook finishes at once;
  // a namespace it cannot create is its passes' to log and try again, never a reason to stop the
  // server. Its first pass is awaited: the steps below run one after the other here, where
  // upstream's hooks run side by side.
  const namespaces = d.systemNamespaces.start(d.signal)
  hooks.finish("start-system-namespaces-controller")
  await namespaces
  // As upstream's hooks: the identity Lease controller and its collector start in the background
  // and the hooks finish at once; a failed renewal is their loops' to log and retry, and never
  // keeps the server from becoming ready.
  d.startIdentityLease()
  hooks.finish("start-kube-apiserver-identity-lease-controller")
  hooks.finish("start-kube-apiserver-identity-lease-garbage-collector")
  await hooks.run(
    "scheduling/bootstrap-system-priority-classes",
    () =>
      createMissing(
        d,
        findResource("scheduling.k8s.io", "v1", "priorityclasses") as ResourceInfo,
        SYSTEM_PRIORITY_CLASSES,
      ),
    d.signal,
  )
  await hooks.run("rbac/bootstrap-roles", () => bootstrapRbac(registry, served), d.signal)
  await hooks.run("priority-and-fairness-config-producer", () => d.flowControl.ensure(), d.signal)
  // ClusterIPs come from ServiceCIDRs: the default one exists (and the cache has it) first
  await d.defaultServiceCIDR
    .reconcile()
    .catch((err: unknown) => d.log.warn({ err: String(err) }, "Cannot create the default ServiceCIDR"))
  await d.cache.waitFor(await d.store.revision(), 3000)
  await hooks.run("start-service-ip-repair-controllers", d.repairAddresses, d.signal)
}

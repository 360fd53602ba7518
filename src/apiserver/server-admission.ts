/**
 * The server's admission chain in upstream's order, each plugin over the watch cache's view of
 * what it reads (namespaces, pods, nodes, claims, volumes, CSI drivers, LimitRanges, classes,
 * quotas, webhook and policy configurations) and NodeRestriction with the server's authorizer
 * too, less the plugins --disable-admission-plugins names.
 */
import type {
  LimitRange,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  ResourceQuota,
} from "kubernetes-types/core/v1.js"
import type { IngressClass } from "kubernetes-types/networking/v1.js"
import type { RuntimeClass } from "kubernetes-types/node/v1.js"
import type { PriorityClass } from "kubernetes-types/scheduling/v1.js"
import type { CSIDriver, StorageClass } from "kubernetes-types/storage/v1.js"
import type { ApiObject } from "../api/index.ts"
import type { Store } from "../storage/index.ts"
import type { Clock, Logger } from "../util/index.ts"
import { type NamespaceState, admissionChain, namespaceLifecycle } from "./admission.ts"
import type { Authorizer } from "./authz.ts"
import { policyAdmissionOptions, validatingAdmissionPolicy } from "./admission-policy/index.ts"
import { certificateSubjectRestriction } from "./certificate-subject-restriction.ts"
import type { ResourceTable } from "./crd/resource-table.ts"
import { defaultIngressClass } from "./default-ingress-class.ts"
import { defaultStorageClass } from "./default-storage-class.ts"
import { defaultTolerationSeconds } from "./default-toleration-seconds.ts"
import { limitRanger } from "./limit-ranger.ts"
import { persistentVolumeClaimResize } from "./persistent-volume-claim-resize.ts"
import { podSecurity } from "./pod-security/index.ts"
import { priorityAdmission } from "./priority.ts"
import { nodeAdmission } from "./request-authorization.ts"
import { type Admission, decode } from "./registry/context.ts"
import { resourceQuota } from "./resource-quota.ts"
import { runtimeClassAdmission } from "./runtime-class.ts"
import { prefixOf, servedOf } from "./served.ts"
import type { ApiServerOptions } from "./server-options.ts"
import { type ObjectLookup, serviceAccountAdmission } from "./serviceaccount/index.ts"
import { storageObjectInUseProtection } from "./storage-object-in-use-protection.ts"
import type { WatchCache } from "./watch-cache.ts"
import { mutatingAdmissionWebhook, validatingAdmissionWebhook } from "./webhook/index.ts"
import { type WebhookParts, webhookOptions } from "./webhook-options.ts"
import { entriesUnder } from "./cache-objects.ts"

const STORAGE_CLASSES = "/registry/storage.k8s.io/storageclasses/"
const QUOTAS = "/registry/resourcequotas/"
const PRIORITY_CLASSES = "/registry/scheduling.k8s.io/priorityclasses/"

/** What the server's admission chain is made from. */
export interface ServerAdmissionParts {
  readonly opts: Pick<
    ApiServerOptions,
    "disableAdmissionPlugins" | "admission" | "authorize" | "authorizationModes"
  >
  readonly store: Store
  readonly clock: Clock
  readonly log: Logger
  readonly cache: WatchCache
  readonly table: ResourceTable
  /** The conversions and defaults of custom resources as well as built-in ones. */
  readonly custom: Pick<WebhookParts, "convert" | "defaults">
  /** A namespace from the watch cache, else (a promise of it) from the store. */
  readonly namespaceOf: (name: string) => ApiObject | undefined | Promise<ApiObject | undefined>
  /** The server's authorizer, for CEL's `authorizer` in conditions and policies. */
  readonly authorize: Authorizer
  /** How ServiceAccount admission reads objects; without it, it does not run. */
  readonly serviceAccounts?: ObjectLookup
}

/** What NamespaceLifecycle needs to know of namespace `ns`. */
function namespaceState(ns: ApiObject | undefined): NamespaceState | undefined {
  if (!ns) return undefined
  const phase = (ns as { status?: { phase?: unknown } }).status?.phase
  return { terminating: !!ns.metadata?.deletionTimestamp || phase === "Terminating" }
}

/** The server's admission chain (see the module comment). */
export function serverAdmission(p: ServerAdmissionParts): Admission {
  const { opts, store, clock, log, cache, table, custom, namespaceOf, serviceAccounts } = p
  // At once for a namespace in the cache (the usual case): a create then waits for no promise.
  const lookupNamespace = (name: string) => {
    const ns = namespaceOf(name)
    return ns instanceof Promise ? ns.then(namespaceState) : namespaceState(ns)
  }
  const podsCache = cache.resource("/registry/pods/")
  const podsIn = function* (namespace: string): Iterable<Pod> {
    const prefix = `/registry/pods/${namespace}/`
    for (const [, v] of entriesUnder(podsCache.objects, prefix)) yield v as Pod
  }
  const classes = cache.resource(STORAGE_CLASSES)
  const quotas = cache.resource(QUOTAS)
  const priorityClasses = cache.resource(PRIORITY_CLASSES)
  // A consistent read from the cache (as a LIST without resourceVersion): the store's revision
  // first, then the cache once it has applied it.
  const currentQuotas = async (ns: string): Promise<ResourceQuota[] | undefined> => {
    if (!(await cache.waitFor(await store.revision(), 3000))) return undefined
    const prefix = `${QUOTAS}${ns}/`
    const out: ResourceQuota[] = []
    for (const [, v] of entriesUnder(quotas.objects, prefix)) out.push(v as ResourceQuota)
    return out
  }
  const ingressClasses = cache.resource(prefixOf("networking.k8s.io", "v1", "ingressclasses"))
  const runtimeClasses = cache.resource(prefixOf("node.k8s.io", "v1", "runtimeclasses"))
  // From the cache; one it does not have yet is read from the store, as upstream's live lookup.
  const runtimeClassOf = (name: string) => {
    const key = `${runtimeClasses.prefix}${name}`
    const cached = runtimeClasses.objects.get(key) as RuntimeClass | undefined
    return (
      cached ??
      store.get(key).then((e) => (e ? (decode(e.value, e.revision) as unknown as RuntimeClass) : undefined))
    )
  }
  const disabled = new Set(opts.disableAdmissionPlugins ?? [])
  const nodesCache = cache.resource(prefixOf("", "v1", "nodes"))
  const pvcsCache = cache.resource(prefixOf("", "v1", "persistentvolumeclaims"))
  const pvsCache = cache.resource(prefixOf("", "v1", "persistentvolumes"))
  const csiDrivers = cache.resource(prefixOf("storage.k8s.io", "v1", "csidrivers"))
  const webhooks = webhookOptions({
    authorize: p.authorize,
    cache,
    table,
    store,
    convert: custom.convert,
    defaults: custom.defaults,
    log,
  })
  const policies = policyAdmissionOptions({
    cache,
    table,
    served: servedOf,
    convert: custom.convert,
    namespace: namespaceOf,
    match: webhooks.match,
  })
  // Upstream's order: NamespaceLifecycle, LimitRanger, ServiceAccount, PodSecurity, ..., the
  // mutating webhooks, ValidatingAdmissionPolicy, the validating webhooks, ResourceQuota last.
  return admissionChain([
    ...[
      namespaceLifecycle(lookupNamespace),
      // From the watch cache, as upstream reads LimitRanges from an informer: no store read per create.
      limitRanger((ns) => {
        const prefix = `/registry/limitranges/${ns}/`
        const out: LimitRange[] = []
        for (const [, v] of entriesUnder(cache.resource("/registry/limitranges/").objects, prefix))
          out.push(v as LimitRange)
        return out
      }),
      ...(serviceAccounts ? [serviceAccountAdmission(serviceAccounts)] : []),
      ...nodeAdmission(opts, {
        pod: (ns, name) => podsCache.objects.get(`/registry/pods/${ns}/${name}`) as Pod | undefined,
        node: (name) => nodesCache.objects.get(`${nodesCache.prefix}${name}`) as Node | undefined,
        pvc: (ns, name) =>
          pvcsCache.objects.get(`${pvcsCache.prefix}${ns}/${name}`) as PersistentVolumeClaim | undefined,
        pv: (name) => pvsCache.objects.get(`${pvsCache.prefix}${name}`) as PersistentVolume | undefined,
        csiDriver: (name) => csiDrivers.objects.get(`${csiDrivers.prefix}${name}`) as CSIDriver | undefined,
        authorize: p.authorize,
      }),
      podSecurity({ namespace: namespaceOf, pods: podsIn }),
      priorityAdmission(
        () => priorityClasses.objects.values() as Iterable<PriorityClass>,
        (name) => priorityClasses.objects.get(`${PRIORITY_CLASSES}${name}`) as PriorityClass | undefined,
      ),
      defaultTolerationSeconds(),
      defaultStorageClass(() => classes.objects.values() as Iterable<StorageClass>),
      storageObjectInUseProtection(),
      persistentVolumeClaimResize(
        (name) => classes.objects.get(`${STORAGE_CLASSES}${name}`) as StorageClass | undefined,
      ),
      runtimeClassAdmission(runtimeClassOf),
      certificateSubjectRestriction(),
      defaultIngressClass(() => ingressClasses.objects.values() as Iterable<IngressClass>),
    ].filter((p) => !disabled.has(p.name)),
    ...(opts.admission ?? []),
    ...[
      mutatingAdmissionWebhook(webhooks),
      validatingAdmissionPolicy(policies),
      validatingAdmissionWebhook(webhooks),
    ].filter((p) => !disabled.has(p.name)),
    resourceQuota({ store, clock, current: currentQuotas }),
  ])
}

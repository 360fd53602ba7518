/**
 * Quota evaluators, shared by the ResourceQuota admission plugin and the resource quota
 * controller: what an object charges against a quota (pods: see quota-pods.ts; services:
 * counts, load balancers and node ports; claims: counts and storage; anything else:
 * `count/<resource>.<group>`), and which quotas it falls under (scopes).
 */
import type {
  PersistentVolumeClaim,
  ResourceQuota,
  ScopedResourceSelectorRequirement,
  Service,
} from "kubernetes-types/core/v1.js"
import type { ApiObject } from "./meta.ts"
import { ONE, type QuotaEvaluator, ZERO } from "./quota-evaluator.ts"
import { matchesValues, podEvaluator } from "./quota-pods.ts"
import { type Amounts, amountsOf } from "./resource-list.ts"

export type { QuotaEvaluator } from "./quota-evaluator.ts"

export function objectCountName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`
}

/** A quota's scope requirements: spec.scopes (as Exists) and spec.scopeSelector's expressions. */
export function quotaScopes(quota: ResourceQuota): ScopedResourceSelectorRequirement[] {
  const scopes = (quota.spec?.scopes ?? []).map((scopeName): ScopedResourceSelectorRequirement => ({
    scopeName,
    operator: "Exists",
  }))
  return [...scopes, ...(quota.spec?.scopeSelector?.matchExpressions ?? [])]
}

/** True when `quota` limits something `ev` charges and all its scopes select `obj`. */
export function quotaMatches(quota: ResourceQuota, ev: QuotaEvaluator, obj: ApiObject): boolean {
  if (!Object.keys(quota.status?.hard ?? {}).some((n) => ev.matches(n))) return false
  return quotaScopes(quota).every((s) => ev.matchesScope(s, obj))
}

const SERVICE_RESOURCES = new Set([
  "services",
  "count/services",
  "services.loadbalancers",
  "services.nodeports",
])

const serviceEvaluator: QuotaEvaluator = {
  group: "",
  resource: "services",
  matches: (n) => SERVICE_RESOURCES.has(n),
  usage(obj) {
    const svc = obj as Service
    const ports = svc.spec?.ports?.length ?? 0
    const n = { nano: BigInt(ports) * ONE.nano, format: "DecimalSI" } as const
    const out: Amounts = {
      "count/services": ONE,
      services: ONE,
      "services.loadbalancers": ZERO,
      "services.nodeports": ZERO,
    }
    if (svc.spec?.type === "NodePort") out["services.nodeports"] = n
    if (svc.spec?.type === "LoadBalancer") {
      out["services.loadbalancers"] = ONE
      if (svc.spec.allocateLoadBalancerNodePorts !== false) out["services.nodeports"] = n
    }
    return out
  },
  matchesScope: () => false,
  handles: (op) => op === "CREATE" || op === "UPDATE",
}

// ---- persistent volume claims ----

const STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"

function claimStorage(pvc: PersistentVolumeClaim): Amounts {
  const req = amountsOf(pvc.spec?.resources?.requests).storage
  const alloc = amountsOf(pvc.status?.allocatedResources).storage
  const q = req && alloc ? (alloc.nano > req.nano ? alloc : req) : (req ?? alloc)
  return q ? { storage: q } : {}
}

const claimEvaluator: QuotaEvaluator = {
  group: "",
  resource: "persistentvolumeclaims",
  matches: (n) =>
    n === "persistentvolumeclaims" ||
    n === "count/persistentvolumeclaims" ||
    n === "requests.storage" ||
    n.endsWith(`${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`) ||
    n.endsWith(`${STORAGE_CLASS_SUFFIX}requests.storage`),
  usage(obj) {
    const pvc = obj as PersistentVolumeClaim
    const out: Amounts = { persistentvolumeclaims: ONE, "count/persistentvolumeclaims": ONE }
    const cls =
      pvc.spec?.storageClassName ??
      pvc.metadata?.annotations?.["volume.beta.kubernetes.io/storage-class"] ??
      ""
    if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = ONE
    const storage = claimStorage(pvc).storage
    if (storage) {
      out["requests.storage"] = storage
      if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`] = storage
    }
    return out
  },
  matchesScope: claimMatchesScope,
  handles: (op) => op === "CREATE" || op === "UPDATE",
}

/**
 * The VolumeAttributesClasses a claim refers to: the one it asks for, the one it has, and the
 * one a modification in progress moves it to (upstream's getReferencedVolumeAttributesClassNames).
 */
function volumeAttributesClassesOf(pvc: PersistentVolumeClaim): Set<string> {
  const names = new Set<string>()
  const add = (n: string | null | undefined) => void (n && names.add(n))
  add(pvc.spec?.volumeAttributesClassName)
  add(pvc.status?.currentVolumeAttributesClassName)
  add(pvc.status?.modifyVolumeStatus?.targetVolumeAttributesClassName)
  return names
}

/**
 * The one scope a claim falls under, VolumeAttributesClass, as upstream's PVC evaluator: Exists
 * when the claim refers to a class; otherwise the requirement as a label selector on each class
 * it refers to (any one selected selects it), or on no label when it refers to none (NotIn and
 * DoesNotExist then select it).
 */
function claimMatchesScope(scope: ScopedResourceSelectorRequirement, obj: ApiObject): boolean {
  if (scope.scopeName !== "VolumeAttributesClass") return false
  const names = volumeAttributesClassesOf(obj as PersistentVolumeClaim)
  if (scope.operator === "Exists") return names.size > 0
  if (names.size === 0) return scope.operator === "NotIn" || scope.operator === "DoesNotExist"
  for (const n of names) if (matchesValues(scope, n)) return true
  return false
}

// ---- everything else: object counts ----

/** Core resources whose object count also has a short legacy name. */
const LEGACY_COUNT = new Set(["configmaps", "secrets", "replicationcontrollers", "resourcequotas"])

/** The object-count evaluator of any resource. */
export function objectCountEvaluator(group: string, resource: string): QuotaEvaluator {
  const name = objectCountName(group, resource)
  const alias = group === "" && LEGACY_COUNT.has(resource) ? resource : undefined
  return {
    group,
    resource,
    matches: (n) => n === name || n === alias,
    usage: () => (alias ? { [name]: ONE, [alias]: ONE } : { [name]: ONE }),
    matchesScope: () => false,
    handles: (op) => op === "CREATE",
  }
}

const SPECIAL: readonly QuotaEvaluator[] = [podEvaluator, serviceEvaluator, claimEvaluator]

/** The evaluator of a group and resource (object counts for any without a special one). */
export function quotaEvaluator(group: string, resource: string): QuotaEvaluator {
  return (
    SPECIAL.find((e) => e.group === group && e.resource === resource) ?? objectCountEvaluator(group, resource)
  )
}

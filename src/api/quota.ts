/**
 * Quota evaluators, shared by the ResourceQuota admission plugin and the resource quota
 * controller: what an object charges against a quota (pods: compute and counts; services:
 * counts, load balancers and node ports; claims: counts and storage; anything else:
 * `count/<resource>.<group>`), which quotas it falls under (scopes), and the pod constraints
 * upstream keeps for cpu and memory.
 */
import type {
  Container,
  PersistentVolumeClaim,
  Pod,
  ResourceQuota,
  ScopedResourceSelectorRequirement,
  Service,
} from "kubernetes-types/core/v1.js"
import type { ApiObject } from "./meta.ts"
import { addAmounts, type Amounts, amountsOf, maxAmounts } from "./resource-list.ts"
import { qosClass } from "./scheduling.ts"

const ONE = { nano: 1_000_000_000n, format: "DecimalSI" } as const
const ZERO = { nano: 0n, format: "DecimalSI" } as const

/** Charges one kind of object against quotas. */
export interface QuotaEvaluator {
  /** The group and plural resource it charges, e.g. "" and "pods". */
  readonly group: string
  readonly resource: string
  /** True when `name` (a quota's hard resource) is something this evaluator charges. */
  matches(name: string): boolean
  /** What `obj` charges at `now` (ms). */
  usage(obj: ApiObject, now: number): Amounts
  /** Whether an object of this kind falls under a quota scope requirement. */
  matchesScope(scope: ScopedResourceSelectorRequirement, obj: ApiObject): boolean
  /** Whether an admission of `operation` can change usage. */
  handles(operation: string): boolean
  /** Why `obj` may not be admitted under a quota limiting `required`, if it may not. */
  constraints?(required: readonly string[], obj: ApiObject): string | undefined
}

/** `count/pods`, `count/deployments.apps`: the generic object count name of a resource. */
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

// ---- pods ----

const POD_RESOURCES = new Set([
  "pods",
  "count/pods",
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
])
/** Resources every container must state when a quota limits them (upstream's backward compatibility). */
const CONSTRAINED = new Set([
  "cpu",
  "memory",
  "requests.cpu",
  "requests.memory",
  "limits.cpu",
  "limits.memory",
])

/** Extended resources (with a domain) other than kubernetes.io ones. */
function isExtended(name: string): boolean {
  return name.includes("/") && !name.startsWith("kubernetes.io/") && !name.startsWith("requests.")
}

/** The compute names a set of requests and limits charges (upstream's podComputeUsageHelper). */
function computeUsage(requests: Amounts, limits: Amounts): Amounts {
  const out: Amounts = { pods: ONE }
  for (const r of ["cpu", "memory", "ephemeral-storage"]) {
    const req = requests[r]
    if (req) {
      out[r] = req
      out[`requests.${r}`] = req
    }
    const lim = limits[r]
    if (lim) out[`limits.${r}`] = lim
  }
  for (const [r, q] of Object.entries(requests)) {
    if (r.startsWith("hugepages-")) {
      out[r] = q
      out[`requests.${r}`] = q
    } else if (isExtended(r)) out[`requests.${r}`] = q
  }
  return out
}

type Which = "requests" | "limits"

/** A pod's effective requests or limits: containers and sidecars summed, init containers at their peak, plus overhead. */
export function podResources(pod: Pod, which: Which): Amounts {
  let sum: Amounts = {}
  for (const c of pod.spec?.containers ?? []) sum = addAmounts(sum, amountsOf(c.resources?.[which]))
  let sidecars: Amounts = {}
  let init: Amounts = {}
  for (const c of pod.spec?.initContainers ?? []) {
    const own = amountsOf(c.resources?.[which])
    if (c.restartPolicy === "Always") {
      sum = addAmounts(sum, own)
      sidecars = addAmounts(sidecars, own)
      init = maxAmounts(init, sidecars)
    } else init = maxAmounts(init, addAmounts(own, sidecars))
  }
  return addAmounts(maxAmounts(sum, init), amountsOf(pod.spec?.overhead))
}

/** False for pods that no longer charge compute: terminal, or past their deletion grace. */
export function isPodCharged(pod: Pod, now: number): boolean {
  const phase = pod.status?.phase
  if (phase === "Succeeded" || phase === "Failed") return false
  const del = pod.metadata?.deletionTimestamp
  const grace = pod.metadata?.deletionGracePeriodSeconds
  if (del && grace !== undefined && now > Date.parse(del) + grace * 1000) return false
  return true
}

function isTerminating(pod: Pod): boolean {
  const d = pod.spec?.activeDeadlineSeconds
  return d !== undefined && d !== null && d >= 0
}

function matchesValues(scope: ScopedResourceSelectorRequirement, value: string): boolean {
  const values = scope.values ?? []
  switch (scope.operator) {
    case "In":
      return values.includes(value)
    case "NotIn":
      return !values.includes(value)
    case "Exists":
      return true
    case "DoesNotExist":
      return false
    default:
      return false
  }
}

function podMatchesScope(scope: ScopedResourceSelectorRequirement, obj: ApiObject): boolean {
  const pod = obj as Pod
  switch (scope.scopeName) {
    case "Terminating":
      return isTerminating(pod)
    case "NotTerminating":
      return !isTerminating(pod)
    case "BestEffort":
      return qosClass(pod) === "BestEffort"
    case "NotBestEffort":
      return qosClass(pod) !== "BestEffort"
    case "PriorityClass": {
      const pc = pod.spec?.priorityClassName ?? ""
      if (scope.operator === "Exists") return pc !== ""
      // A pod without a priority class has no such label: only NotIn and DoesNotExist select it
      if (pc === "") return scope.operator === "NotIn" || scope.operator === "DoesNotExist"
      return matchesValues(scope, pc)
    }
    case "CrossNamespacePodAffinity":
      return hasCrossNamespaceAffinity(pod)
    default:
      return false
  }
}

function hasCrossNamespaceAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity
  const terms = [
    ...(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
    ...(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map(
      (w) => w.podAffinityTerm,
    ),
  ]
  return terms.some((t) => (t.namespaces?.length ?? 0) > 0 || t.namespaceSelector !== undefined)
}

/** The constrained resources a container does not state, added to `missing` under its name. */
function missingOf(c: Container, required: ReadonlySet<string>, missing: Map<string, Set<string>>): void {
  const has = computeUsage(amountsOf(c.resources?.requests), amountsOf(c.resources?.limits))
  for (const r of required) {
    if (has[r]) continue
    const names = missing.get(r) ?? new Set<string>()
    names.add(c.name)
    missing.set(r, names)
  }
}

const podEvaluator: QuotaEvaluator = {
  group: "",
  resource: "pods",
  matches: (n) =>
    POD_RESOURCES.has(n) ||
    n.startsWith("hugepages-") ||
    n.startsWith("requests.hugepages-") ||
    (n.startsWith("requests.") && isExtended(n.slice("requests.".length))),
  usage(obj, now) {
    const pod = obj as Pod
    const counted: Amounts = { "count/pods": ONE }
    if (!isPodCharged(pod, now)) return counted
    return addAmounts(counted, computeUsage(podResources(pod, "requests"), podResources(pod, "limits")))
  },
  matchesScope: podMatchesScope,
  handles: (op) => op === "CREATE",
  constraints(required, obj) {
    const pod = obj as Pod
    const req = new Set(required.filter((r) => CONSTRAINED.has(r)))
    if (req.size === 0) return undefined
    const missing = new Map<string, Set<string>>()
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])])
      missingOf(c, req, missing)
    if (missing.size === 0) return undefined
    const parts = [...missing.keys()]
      .sort()
      .map((r) => `${r} for: ${[...(missing.get(r) ?? [])].sort().join(",")}`)
    return `must specify ${parts.join("; ")}`
  },
}

// ---- services ----

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
  matchesScope: () => false,
  handles: (op) => op === "CREATE" || op === "UPDATE",
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

/**
 * The pod quota evaluator: compute usage (requests, limits, cpu, memory, ephemeral storage,
 * hugepages, extended resources) and the pod count for pods that have not ended, the quota
 * scopes (Terminating, BestEffort, PriorityClass, CrossNamespacePodAffinity and their
 * negations), and the rule that every container states the cpu and memory a quota limits.
 */
import type {
  Container,
  ContainerStatus,
  Pod,
  ResourceRequirements,
  ScopedResourceSelectorRequirement,
} from "kubernetes-types/core/v1.js"
import type { ApiObject } from "./meta.ts"
import { ONE, type QuotaEvaluator } from "./quota-evaluator.ts"
import { addAmounts, type Amounts, amountsOf, maxAmounts } from "./resource-list.ts"
import { isPodTerminal } from "./pods.ts"
import { podQos } from "./qos.ts"
import { isQuotaHugePages } from "./validation/resources.ts"
import {
  isResizeInfeasible,
  limitsWithStatus,
  requestsWithStatus,
  statusesWithResources,
} from "./status-resources.ts"

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

/** Options of podResources. */
export interface PodResourcesOptions {
  readonly which: "requests" | "limits"
  /** Add spec.overhead (quota counts it; LimitRanger does not). Default true. */
  readonly overhead?: boolean
  /**
   * Count what the containers' statuses report as well (upstream's UseStatusResources, as quota
   * does with in-place resize): the larger of the spec's and the status's, or the status's
   * alone while the resize is Infeasible.
   */
  readonly status?: boolean
}

/** A container's requests or limits, with its status's where asked (see status-resources.ts). */
function containerAmounts(
  c: Container,
  which: "requests" | "limits",
  status: ContainerStatus | undefined,
  infeasible: boolean,
): Amounts {
  const of = which === "requests" ? requestsWithStatus : limitsWithStatus
  return amountsOf(of(c, status, infeasible))
}

/** Pod-level resources (spec.resources) override the containers' sum for these. */
const POD_LEVEL = ["cpu", "memory"]

/**
 * A pod's effective requests or limits: containers and sidecars summed, init containers at
 * their peak, cpu and memory from pod-level resources when set, plus overhead.
 */
export function podResources(pod: Pod, opts: PodResourcesOptions): Amounts {
  const { which } = opts
  const statuses = opts.status ? statusesWithResources(pod) : new Map<string, ContainerStatus>()
  const infeasible = opts.status === true && isResizeInfeasible(pod)
  const of = (c: Container) => containerAmounts(c, which, statuses.get(c.name), infeasible)
  let sum: Amounts = {}
  for (const c of pod.spec?.containers ?? []) sum = addAmounts(sum, of(c))
  let sidecars: Amounts = {}
  let init: Amounts = {}
  for (const c of pod.spec?.initContainers ?? []) {
    const own = of(c)
    if (c.restartPolicy === "Always") {
      sum = addAmounts(sum, own)
      sidecars = addAmounts(sidecars, own)
      init = maxAmounts(init, sidecars)
    } else init = maxAmounts(init, addAmounts(own, sidecars))
  }
  const total = maxAmounts(sum, init)
  const podLevel = amountsOf(
    (pod.spec as { resources?: ResourceRequirements } | undefined)?.resources?.[which],
  )
  for (const r of POD_LEVEL) {
    const q = podLevel[r]
    if (q) total[r] = q
  }
  return opts.overhead === false ? total : addAmounts(total, amountsOf(pod.spec?.overhead))
}

/** False for pods that no longer charge compute: terminal, or past their deletion grace. */
export function isPodCharged(pod: Pod, now: number): boolean {
  if (isPodTerminal(pod)) return false
  const del = pod.metadata?.deletionTimestamp
  const grace = pod.metadata?.deletionGracePeriodSeconds
  if (del && grace !== undefined && now > Date.parse(del) + grace * 1000) return false
  return true
}

function isTerminating(pod: Pod): boolean {
  const d = pod.spec?.activeDeadlineSeconds
  return d !== undefined && d !== null && d >= 0
}

/** Whether a scope requirement's operator and values select an object labelled `value` for its scope. */
export function matchesValues(scope: ScopedResourceSelectorRequirement, value: string): boolean {
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
      return podQos(pod) === "BestEffort"
    case "NotBestEffort":
      return podQos(pod) !== "BestEffort"
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

/** The pod evaluator. */
export const podEvaluator: QuotaEvaluator = {
  group: "",
  resource: "pods",
  matches: (n) =>
    POD_RESOURCES.has(n) ||
    isQuotaHugePages(n) ||
    (n.startsWith("requests.") && isExtended(n.slice("requests.".length))),
  usage(obj, now) {
    const pod = obj as Pod
    const counted: Amounts = { "count/pods": ONE }
    if (!isPodCharged(pod, now)) return counted
    return addAmounts(
      counted,
      computeUsage(
        podResources(pod, { which: "requests", status: true }),
        podResources(pod, { which: "limits", status: true }),
      ),
    )
  },
  matchesScope: podMatchesScope,
  // A pod is charged when created, and again when resized (its spec's resources change).
  handles: (op, subresource = "") =>
    subresource === "resize" ? op === "UPDATE" : op === "CREATE" && !subresource,
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

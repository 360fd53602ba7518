/**
 * A container's requests and limits with what its status reports counted too (upstream's
 * UseStatusResources: determineContainerReqs and determineContainerLimits), as the scheduler and
 * the quota count a pod whose in-place resize is not settled: requests the largest of the spec's,
 * the applied and the allocated, limits the larger of the spec's and the applied; while the
 * resize is Infeasible, the status's alone. Only containers and sidecars have such statuses.
 */
import type { Container, ContainerStatus, Pod } from "kubernetes-types/core/v1.js"
import { compareQuantity, parseQuantity } from "./quantity.ts"

type List = Readonly<Record<string, string>> | undefined

/** Whether quantity `a` is more than `b` (anything is more than none). */
function isLarger(a: string, b: string | undefined): boolean {
  if (b === undefined) return true
  const x = parseQuantity(a)
  const y = parseQuantity(b)
  return !!x && (!y || compareQuantity(x, y) > 0)
}

/** The larger quantity of each resource the lists name (the first list's value on a tie). */
function maxLists(a: List, b: List): Record<string, string> {
  const out: Record<string, string> = { ...a }
  for (const [k, v] of Object.entries(b ?? {})) if (isLarger(v, out[k])) out[k] = v
  return out
}

/** Whether the pod's resize is PodResizePending Infeasible (upstream's IsPodResizeInfeasible). */
export function isResizeInfeasible(pod: Pod): boolean {
  return !!pod.status?.conditions?.some((c) => c.type === "PodResizePending" && c.reason === "Infeasible")
}

/**
 * The statuses of the pod's containers and sidecars that report resources, by container name (a
 * regular init container's does not count: its resources cannot be resized).
 */
export function statusesWithResources(pod: Pod): Map<string, ContainerStatus> {
  const out = new Map<string, ContainerStatus>()
  const inits = pod.status?.initContainerStatuses
  if (inits?.length) {
    const sidecars = new Set(
      (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name),
    )
    for (const s of inits) if (s.resources && sidecars.has(s.name)) out.set(s.name, s)
  }
  for (const s of pod.status?.containerStatuses ?? []) if (s.resources) out.set(s.name, s)
  return out
}

/** Container `c`'s requests with its status `status` counted (the spec's when it reports none). */
export function requestsWithStatus(
  c: Container,
  status: ContainerStatus | undefined,
  infeasible: boolean,
): List {
  const spec = c.resources?.requests
  if (!status?.resources) return spec
  const reported = maxLists(status.resources.requests, status.allocatedResources)
  return infeasible ? reported : maxLists(reported, spec)
}

/** Container `c`'s limits with its status `status` counted (the spec's when it reports none). */
export function limitsWithStatus(
  c: Container,
  status: ContainerStatus | undefined,
  infeasible: boolean,
): List {
  const spec = c.resources?.limits
  if (!status?.resources) return spec
  const applied = status.resources.limits
  return infeasible ? applied : maxLists(spec, applied)
}

/**
 * Resource arithmetic as the scheduler counts it: a pod's effective requests (containers,
 * sidecar and regular init containers, overhead, as upstream's computePodResourceRequest; while
 * an in-place resize is unsettled, each container's the largest of its spec's, applied and
 * allocated requests, as upstream's UseStatusResources) and the non-zero requests that scoring
 * uses for pods that ask for nothing.
 */
import type { Container, ContainerStatus, Pod, ResourceRequirements } from "kubernetes-types/core/v1.js"
import {
  isResizeInfeasible,
  milliValue,
  requestsWithStatus,
  statusesWithResources,
  unitValue,
} from "../../api/index.ts"

/** Amounts of every resource: cpu in millicores, the rest in units. */
export interface Resource {
  milliCPU: number
  memory: number
  ephemeralStorage: number
  allowedPodNumber: number
  /** Extended resources, hugepages and the like, by name. */
  scalar: Map<string, number>
}

/** Upstream's DefaultMilliCPURequest: what a container without a cpu request counts as (100m). */
export const DEFAULT_MILLI_CPU_REQUEST = 100
/** Upstream's DefaultMemoryRequest: what a container without a memory request counts as (200Mi). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

/** An empty Resource. */
export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: new Map() }
}

/** A copy of `r`. */
export function cloneResource(r: Resource): Resource {
  return { ...r, scalar: new Map(r.scalar) }
}

/** A Resource from a ResourceList (a node's allocatable, a container's requests). */
export function resourceOf(list: Readonly<Record<string, unknown>> | undefined): Resource {
  const r = emptyResource()
  for (const [name, q] of Object.entries(list ?? {})) {
    if (name === "cpu") r.milliCPU = milliValue(q)
    else if (name === "memory") r.memory = unitValue(q)
    else if (name === "ephemeral-storage") r.ephemeralStorage = unitValue(q)
    else if (name === "pods") r.allowedPodNumber = unitValue(q)
    else r.scalar.set(name, unitValue(q))
  }
  return r
}

/** a += sign * b (for every resource). */
export function addResource(a: Resource, b: Resource, sign = 1): void {
  a.milliCPU += sign * b.milliCPU
  a.memory += sign * b.memory
  a.ephemeralStorage += sign * b.ephemeralStorage
  a.allowedPodNumber += sign * b.allowedPodNumber
  // Most pods request no extended resource: no iterator over an empty map.
  if (b.scalar.size > 0) for (const [k, v] of b.scalar) a.scalar.set(k, (a.scalar.get(k) ?? 0) + sign * v)
}

/** a = max(a, b) for every resource. */
function maxResource(a: Resource, b: Resource): void {
  a.milliCPU = Math.max(a.milliCPU, b.milliCPU)
  a.memory = Math.max(a.memory, b.memory)
  a.ephemeralStorage = Math.max(a.ephemeralStorage, b.ephemeralStorage)
  for (const [k, v] of b.scalar) a.scalar.set(k, Math.max(a.scalar.get(k) ?? 0, v))
}

/** Parses the quantity of resource `name` into `r` (adding to what is there). */
function addQuantity(r: Resource, name: string, q: unknown): void {
  if (name === "cpu") r.milliCPU += milliValue(q)
  else if (name === "memory") r.memory += unitValue(q)
  else if (name === "ephemeral-storage") r.ephemeralStorage += unitValue(q)
  else if (name === "pods") r.allowedPodNumber += unitValue(q)
  else r.scalar.set(name, (r.scalar.get(name) ?? 0) + unitValue(q))
}

/** The statuses that count while a resize of the pod is unsettled (see reportedRequests). */
interface Reported {
  readonly statuses: ReadonlyMap<string, ContainerStatus>
  readonly infeasible: boolean
}

/**
 * What the containers' statuses count for while a resize of the pod is unsettled (upstream's
 * UseStatusResources: see api's requestsWithStatus). Undefined when settled (the kubelet saw
 * this generation and has no resize condition): then the spec's are the applied ones, and are
 * all that counts.
 */
function reportedRequests(pod: Pod): Reported | undefined {
  const st = pod.status as (Pod["status"] & { observedGeneration?: number }) | undefined
  if (!st?.containerStatuses?.length) return undefined
  const resizing = st.conditions?.some((c) => c.type.startsWith("PodResize")) ?? false
  if (!resizing && st.observedGeneration === pod.metadata?.generation) return undefined
  return { statuses: statusesWithResources(pod), infeasible: isResizeInfeasible(pod) }
}

/**
 * Adds the container's requests to `sum` (as addResource(sum, requestsOf(c, nonZero)), without
 * the Resource in between: this runs for every container of every pod the scheduler sees).
 */
function addRequests(sum: Resource, c: Container, nonZero: boolean, status?: Reported): void {
  const req = status
    ? requestsWithStatus(c, status.statuses.get(c.name), status.infeasible)
    : (c.resources as ResourceRequirements | undefined)?.requests
  for (const name in req) addQuantity(sum, name, req[name])
  if (!nonZero) return
  if (!req || !("cpu" in req)) sum.milliCPU += DEFAULT_MILLI_CPU_REQUEST
  if (!req || !("memory" in req)) sum.memory += DEFAULT_MEMORY_REQUEST
}

function requestsOf(c: Container, nonZero: boolean, status?: Reported): Resource {
  const r = emptyResource()
  addRequests(r, c, nonZero, status)
  return r
}

/** Nothing (read only): what a pod without init containers takes at least. */
const NOTHING: Resource = emptyResource()

/**
 * The pod's effective request: the sum of its containers and sidecars (restartable init
 * containers), or the largest regular init container plus the sidecars started before it,
 * whichever is larger, plus the pod overhead. `nonZero` counts containers without a cpu or memory
 * request at upstream's defaults (for scoring).
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const sum = emptyResource()
  const status = reportedRequests(pod)
  const containers = pod.spec?.containers
  if (containers)
    for (let i = 0; i < containers.length; i++) addRequests(sum, containers[i] as Container, nonZero, status)
  const inits = pod.spec?.initContainers
  if (inits?.length) {
    const sidecars = emptyResource()
    const initMax = emptyResource()
    for (const c of inits) {
      const req = requestsOf(c, nonZero, status)
      if (c.restartPolicy === "Always") {
        addResource(sum, req)
        addResource(sidecars, req)
        maxResource(initMax, sidecars)
      } else {
        addResource(req, sidecars)
        maxResource(initMax, req)
      }
    }
    maxResource(sum, initMax)
  } else maxResource(sum, NOTHING)
  if (pod.spec?.overhead) addResource(sum, resourceOf(pod.spec.overhead))
  sum.allowedPodNumber = 0
  return sum
}

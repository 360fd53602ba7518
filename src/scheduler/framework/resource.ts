/**
 * Resource arithmetic as the scheduler counts it: a pod's effective requests (containers,
 * sidecar and regular init containers, overhead, as upstream's computePodResourceRequest; while
 * an in-place resize is unsettled, each container's the largest of its spec's, applied and
 * allocated requests, as upstream's UseStatusResources) and the non-zero requests that scoring
 * uses for pods that ask for nothing.
 */
import type { Container, ContainerStatus, Pod, ResourceRequirements } from "kubernetes-types/core/v1.js"
import { compareQuantity, milliValue, parseQuantity, unitValue } from "../../api/index.ts"

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

/** Requests by name, as a container's status reports them, while a resize of its pod is unsettled. */
type Reported = Map<string, Record<string, string>>

/**
 * What the containers' statuses count for (upstream's determineContainerReqs), while a resize of
 * the pod is unsettled: the larger of the applied and allocated requests (with the spec's, but
 * while the resize is Infeasible). Undefined when settled (the kubelet saw this generation and
 * has no resize condition): then the spec's are the applied ones, and are all that counts.
 */
function reportedRequests(pod: Pod): { reported: Reported; infeasible: boolean } | undefined {
  const st = pod.status as (Pod["status"] & { observedGeneration?: number }) | undefined
  if (!st?.containerStatuses?.length) return undefined
  const resizing = st.conditions?.filter((c) => c.type.startsWith("PodResize")) ?? []
  if (!resizing.length && st.observedGeneration === pod.metadata?.generation) return undefined
  const reported: Reported = new Map()
  const add = (s: ContainerStatus) => {
    if (!s.resources) return
    const out: Record<string, string> = { ...s.resources.requests }
    for (const [k, v] of Object.entries(s.allocatedResources ?? {})) if (isLarger(v, out[k])) out[k] = v
    reported.set(s.name, out)
  }
  // A regular init container's status does not count (upstream's UseStatusResources): sidecars'.
  const sidecars = new Set(
    (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name),
  )
  for (const s of st.initContainerStatuses ?? []) if (sidecars.has(s.name)) add(s)
  for (const s of st.containerStatuses) add(s)
  const infeasible = resizing.some((c) => c.type === "PodResizePending" && c.reason === "Infeasible")
  return { reported, infeasible }
}

/** A container's requests with its status's counted (see reportedRequests). */
function effectiveRequests(
  c: Container,
  status: ReturnType<typeof reportedRequests>,
): Readonly<Record<string, string>> | undefined {
  const spec = (c.resources as ResourceRequirements | undefined)?.requests
  const seen = status?.reported.get(c.name)
  if (!seen) return spec
  if (status?.infeasible) return seen
  const out: Record<string, string> = { ...seen }
  for (const [k, v] of Object.entries(spec ?? {})) if (isLarger(v, out[k])) out[k] = v
  return out
}

/** Whether quantity `a` is more than `b` (anything is more than none). */
function isLarger(a: string, b: string | undefined): boolean {
  if (b === undefined) return true
  const x = parseQuantity(a)
  const y = parseQuantity(b)
  return !!x && (!y || compareQuantity(x, y) > 0)
}

/**
 * Adds the container's requests to `sum` (as addResource(sum, requestsOf(c, nonZero)), without
 * the Resource in between: this runs for every container of every pod the scheduler sees).
 */
function addRequests(
  sum: Resource,
  c: Container,
  nonZero: boolean,
  status?: ReturnType<typeof reportedRequests>,
): void {
  const req = status
    ? effectiveRequests(c, status)
    : (c.resources as ResourceRequirements | undefined)?.requests
  for (const name in req) addQuantity(sum, name, req[name])
  if (!nonZero) return
  if (!req || !("cpu" in req)) sum.milliCPU += DEFAULT_MILLI_CPU_REQUEST
  if (!req || !("memory" in req)) sum.memory += DEFAULT_MEMORY_REQUEST
}

function requestsOf(c: Container, nonZero: boolean, status?: ReturnType<typeof reportedRequests>): Resource {
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

/**
 * A node with the aggregates the plugins read on every cycle (upstream's NodeInfo): its
 * allocatable resources, what its pods request, the host ports they use and how many of them
 * carry inter-pod (anti-)affinity. Kept current by the cache as pods are added, assumed and
 * removed, so a filter or score reads them in O(1).
 */
import type { Node, Taint } from "kubernetes-types/core/v1.js"
import { hasAffinity, type PodInfo } from "./pod-info.ts"
import { addResource, cloneResource, emptyResource, type Resource, resourceOf } from "./resource.ts"

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({})
const NO_TAINTS: readonly Taint[] = Object.freeze([])

/**
 * Slots of NodeInfo.fit, the numbers the resource filter and scores read on every node of every
 * cycle, kept side by side in one array (one memory read per node instead of one per object and
 * per boxed number): what the node can allocate, what its pods request (and request counting
 * upstream's non-zero defaults), and how many pods it has.
 */
export const ALLOC_CPU = 0
export const ALLOC_MEMORY = 1
export const ALLOC_EPHEMERAL = 2
export const ALLOC_PODS = 3
export const REQ_CPU = 4
export const REQ_MEMORY = 5
export const REQ_EPHEMERAL = 6
export const POD_COUNT = 7
export const NON_ZERO_CPU = 8
export const NON_ZERO_MEMORY = 9
const FIT_SLOTS = 10

/** A node and the pods on it (bound or assumed), with precomputed sums. */
export class NodeInfo {
  readonly name: string
  node: Node
  allocatable: Resource = emptyResource()
  taints: readonly Taint[] = NO_TAINTS
  /** The node's labels (read on every filter and score: a field, not a getter). */
  labels: Readonly<Record<string, string>> = NO_LABELS
  /** spec.unschedulable (cordoned). */
  unschedulable = false
  /** The sum of the requests of its pods. */
  requested: Resource = emptyResource()
  /** The sum of the non-zero requests of its pods (scoring). */
  nonZeroRequested: Resource = emptyResource()
  /** Its pods by uid. */
  pods = new Map<string, PodInfo>()
  /** Host ports in use ("protocol/ip/port") with how many pods use each. */
  usedPorts = new Map<string, number>()
  /** Its pods with any inter-pod affinity or anti-affinity term. */
  podsWithAffinity = new Set<PodInfo>()
  /** Its pods with required anti-affinity terms. */
  podsWithRequiredAntiAffinity = new Set<PodInfo>()
  /** Bumped on every change. */
  generation = 0
  /** The hot numbers (see ALLOC_CPU and the other slots), mirroring allocatable, requested and pods. */
  readonly fit = new Float64Array(FIT_SLOTS)

  constructor(node: Node) {
    this.name = node.metadata?.name ?? ""
    this.node = node
    this.setNode(node)
  }

  /** Replaces the Node object (labels, taints, allocatable). */
  setNode(node: Node): void {
    this.node = node
    this.allocatable = resourceOf(node.status?.allocatable ?? node.status?.capacity)
    const f = this.fit
    f[ALLOC_CPU] = this.allocatable.milliCPU
    f[ALLOC_MEMORY] = this.allocatable.memory
    f[ALLOC_EPHEMERAL] = this.allocatable.ephemeralStorage
    f[ALLOC_PODS] = this.allocatable.allowedPodNumber
    this.taints = node.spec?.taints?.length ? node.spec.taints : NO_TAINTS
    this.labels = node.metadata?.labels ?? NO_LABELS
    this.unschedulable = node.spec?.unschedulable === true
    this.generation++
  }

  /** Counts `pi` on this node. */
  addPod(pi: PodInfo): void {
    if (this.pods.has(pi.uid)) this.removePod(pi.uid)
    this.pods.set(pi.uid, pi)
    addResource(this.requested, pi.requests)
    addResource(this.nonZeroRequested, pi.nonZero)
    this.#mirror()
    for (const p of pi.ports) this.usedPorts.set(p, (this.usedPorts.get(p) ?? 0) + 1)
    if (hasAffinity(pi)) this.podsWithAffinity.add(pi)
    if (pi.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity.add(pi)
    this.generation++
  }

  /** Stops counting the pod of `uid`; false when it was not here. */
  removePod(uid: string): boolean {
    const pi = this.pods.get(uid)
    if (!pi) return false
    this.pods.delete(uid)
    addResource(this.requested, pi.requests, -1)
    addResource(this.nonZeroRequested, pi.nonZero, -1)
    this.#mirror()
    for (const p of pi.ports) {
      const n = (this.usedPorts.get(p) ?? 1) - 1
      if (n > 0) this.usedPorts.set(p, n)
      else this.usedPorts.delete(p)
    }
    this.podsWithAffinity.delete(pi)
    this.podsWithRequiredAntiAffinity.delete(pi)
    this.generation++
    return true
  }

  /** Copies the sums into `fit`. */
  #mirror(): void {
    const f = this.fit
    f[REQ_CPU] = this.requested.milliCPU
    f[REQ_MEMORY] = this.requested.memory
    f[REQ_EPHEMERAL] = this.requested.ephemeralStorage
    f[NON_ZERO_CPU] = this.nonZeroRequested.milliCPU
    f[NON_ZERO_MEMORY] = this.nonZeroRequested.memory
    f[POD_COUNT] = this.pods.size
  }

  /** A copy whose pods and sums can change without touching this one (preemption's what-if). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.node)
    c.requested = cloneResource(this.requested)
    c.nonZeroRequested = cloneResource(this.nonZeroRequested)
    c.pods = new Map(this.pods)
    c.usedPorts = new Map(this.usedPorts)
    c.podsWithAffinity = new Set(this.podsWithAffinity)
    c.podsWithRequiredAntiAffinity = new Set(this.podsWithRequiredAntiAffinity)
    c.generation = this.generation
    c.fit.set(this.fit)
    return c
  }
}

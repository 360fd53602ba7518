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
/** How many distinct taint lists internTaints remembers before it starts over. */
const MAX_TAINT_LISTS = 1024
const taintLists = new Map<string, readonly Taint[]>()

/**
 * One shared array for every node with the same taints (most clusters have a handful of taint
 * lists over thousands of nodes), so the taint filter walks objects already in the CPU's cache.
 */
function internTaints(taints: readonly Taint[] | undefined): readonly Taint[] {
  if (!taints?.length) return NO_TAINTS
  const key = JSON.stringify(taints)
  const have = taintLists.get(key)
  if (have) return have
  if (taintLists.size >= MAX_TAINT_LISTS) taintLists.clear()
  taintLists.set(key, taints)
  return taints
}

/** How many predicates a node keeps counts for (see NodeInfo.countPods). */
const MAX_POD_COUNTS = 4

/** A count of a node's pods one predicate selects, kept current as they come and go. */
interface PodCount {
  readonly test: (pi: PodInfo) => boolean
  n: number
}

/** Nodes per block of FitRows. */
const ROWS_PER_BLOCK = 1024

/**
 * Hands out the `fit` arrays of a cache's nodes as consecutive rows of shared blocks, so a
 * cycle walking the node list reads their numbers from contiguous memory. A row is not reused:
 * a block is freed once all its nodes are gone.
 */
export class FitRows {
  #block: ArrayBuffer | undefined
  #next = ROWS_PER_BLOCK

  /** A fresh zeroed row. */
  row(): Float64Array {
    if (this.#next === ROWS_PER_BLOCK) {
      this.#block = new ArrayBuffer(ROWS_PER_BLOCK * FIT_SLOTS * Float64Array.BYTES_PER_ELEMENT)
      this.#next = 0
    }
    const offset = this.#next++ * FIT_SLOTS * Float64Array.BYTES_PER_ELEMENT
    return new Float64Array(this.#block as ArrayBuffer, offset, FIT_SLOTS)
  }
}

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
  readonly fit: Float64Array
  /** The counts countPods keeps, the most recently asked first. */
  #counts: PodCount[] = []

  /** `fit` is a row of the cache's FitRows; a standalone NodeInfo (a clone, a test) has its own. */
  constructor(node: Node, fit: Float64Array = new Float64Array(FIT_SLOTS)) {
    this.name = node.metadata?.name ?? ""
    this.node = node
    this.fit = fit
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
    this.taints = internTaints(node.spec?.taints)
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
    for (const c of this.#counts) if (c.test(pi)) c.n++
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
    // Only pods with terms are in these sets (a PodInfo never changes).
    if (pi.withAffinity) {
      this.podsWithAffinity.delete(pi)
      this.podsWithRequiredAntiAffinity.delete(pi)
    }
    for (const c of this.#counts) if (c.test(pi)) c.n--
    this.generation++
    return true
  }

  /**
   * Swaps in a newer PodInfo of a pod counted here that asks for the same (requests, ports and
   * terms are the very objects of the one it replaces): the sums stay. False when not here.
   */
  replacePod(pi: PodInfo): boolean {
    const prev = this.pods.get(pi.uid)
    if (!prev) return false
    this.pods.set(pi.uid, pi)
    if (prev.withAffinity) {
      if (this.podsWithAffinity.delete(prev)) this.podsWithAffinity.add(pi)
      if (this.podsWithRequiredAntiAffinity.delete(prev)) this.podsWithRequiredAntiAffinity.add(pi)
    }
    for (const c of this.#counts) c.n += Number(c.test(pi)) - Number(c.test(prev))
    this.generation++
    return true
  }

  /**
   * How many of its pods `test` selects. `test` must depend on nothing but the PodInfo (a
   * PodInfo never changes): the first call for a `test` walks the pods, and the node then keeps
   * the count as pods are added, replaced and removed, for the last MAX_POD_COUNTS tests asked
   * (pods of one controller are scheduled one after another with the same selector, and every
   * cycle counts each node's pods: walking them all again on every cycle costs more than all else).
   */
  countPods(test: (pi: PodInfo) => boolean): number {
    const counts = this.#counts
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i] as PodCount
      if (c.test !== test) continue
      if (i > 0) counts.copyWithin(1, 0, i)[0] = c
      return c.n
    }
    let n = 0
    for (const pi of this.pods.values()) if (test(pi)) n++
    counts.unshift({ test, n })
    if (counts.length > MAX_POD_COUNTS) counts.pop()
    return n
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
    c.#counts = this.#counts.map(({ test, n }) => ({ test, n }))
    return c
  }
}

/**
 * A node with the aggregates the plugins read on every cycle (upstream's NodeInfo): its
 * allocatable resources, what its pods request, the host ports they use and how many of them
 * carry inter-pod (anti-)affinity. Kept current by the cache as pods are added, assumed and
 * removed, so a filter or score reads them in O(1).
 */
import type { Node, Taint } from "kubernetes-types/core/v1.js"
import { hasAffinity, type PodInfo } from "./pod-info.ts"
import { addResource, cloneResource, emptyResource, type Resource, resourceOf } from "./resource.ts"

/** A node and the pods on it (bound or assumed), with precomputed sums. */
export class NodeInfo {
  readonly name: string
  node: Node
  allocatable: Resource = emptyResource()
  taints: readonly Taint[] = []
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

  constructor(node: Node) {
    this.name = node.metadata?.name ?? ""
    this.node = node
    this.setNode(node)
  }

  /** Replaces the Node object (labels, taints, allocatable). */
  setNode(node: Node): void {
    this.node = node
    this.allocatable = resourceOf(node.status?.allocatable ?? node.status?.capacity)
    this.taints = node.spec?.taints ?? []
    this.generation++
  }

  /** The node's labels. */
  get labels(): Readonly<Record<string, string>> {
    return this.node.metadata?.labels ?? {}
  }

  /** Counts `pi` on this node. */
  addPod(pi: PodInfo): void {
    if (this.pods.has(pi.uid)) this.removePod(pi.uid)
    this.pods.set(pi.uid, pi)
    addResource(this.requested, pi.requests)
    addResource(this.nonZeroRequested, pi.nonZero)
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
    return c
  }
}

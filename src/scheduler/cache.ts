/**
 * The scheduler's cache (upstream's internal cache and snapshot in one): nodes and the pods on
 * them, including pods assumed on a node the moment the scheduler picked it, before the binding
 * lands. The informer's bound pod confirms an assumed one; a failed bind forgets it. Per-node
 * sums live in the NodeInfos, so the plugins never walk pods to learn what a node has left.
 * Implements Snapshot: one cycle runs synchronously, so the live cache is its consistent view.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { AffinityIndex } from "./affinity-index.ts"
import { LabelIndex } from "./label-index.ts"
import { FitRows, NodeInfo } from "./framework/node-info.ts"
import { hasAffinity, newPodInfo, type PodInfo } from "./framework/pod-info.ts"
import type { Snapshot } from "./framework/types.ts"

interface PodState {
  pi: PodInfo
  node: string
  assumed: boolean
  /** When an assumed pod whose binding finished expires (ms), if ever. */
  deadline: number | undefined
}

/** Options of SchedulerCache. */
export interface SchedulerCacheOptions {
  /** How long an assumed pod waits for its bound version after binding (0, the default: forever). */
  readonly assumedTtlMs?: number
}

/** Nodes and the pods on them, bound or assumed. */
export class SchedulerCache implements Snapshot {
  readonly #nodes = new Map<string, NodeInfo>()
  /** NodeInfos holding pods whose Node is not known yet. */
  readonly #ghosts = new Map<string, NodeInfo>()
  readonly #pods = new Map<string, PodState>()
  readonly #ttl: number
  readonly #rows = new FitRows()
  readonly #affinityIndex = new AffinityIndex()
  readonly #labelIndex = new LabelIndex()
  #list: NodeInfo[] | undefined
  readonly #affinitySet = new Set<NodeInfo>()
  readonly #antiAffinitySet = new Set<NodeInfo>()
  #affinity: NodeInfo[] | undefined
  #antiAffinity: NodeInfo[] | undefined

  constructor(opts: SchedulerCacheOptions = {}) {
    this.#ttl = opts.assumedTtlMs ?? 0
  }

  list(): readonly NodeInfo[] {
    this.#list ??= [...this.#nodes.values()]
    return this.#list
  }

  get(name: string): NodeInfo | undefined {
    return this.#nodes.get(name)
  }

  withAffinityPods(): readonly NodeInfo[] {
    this.#affinity ??= [...this.#affinitySet].filter((n) => this.#nodes.get(n.name) === n)
    return this.#affinity
  }

  withRequiredAntiAffinityPods(): readonly NodeInfo[] {
    this.#antiAffinity ??= [...this.#antiAffinitySet].filter((n) => this.#nodes.get(n.name) === n)
    return this.#antiAffinity
  }

  forEachAffinityPod(
    labels: Readonly<Record<string, string>>,
    fn: (pod: PodInfo, node: NodeInfo) => void,
  ): void {
    this.#affinityIndex.forEachCandidate(labels, (pi, info) => {
      if (this.#nodes.get(info.name) === info) fn(pi, info)
    })
  }

  forEachPodWithLabel(key: string, value: string, fn: (pod: PodInfo, node: NodeInfo) => void): void {
    this.#labelIndex.forEach(key, value, (pi, info) => {
      if (this.#nodes.get(info.name) === info) fn(pi, info)
    })
  }

  /** How many pods are counted (bound and assumed). */
  podCount(): number {
    return this.#pods.size
  }

  /** Adds or updates a node. */
  setNode(node: Node): void {
    const name = node.metadata?.name ?? ""
    const have = this.#nodes.get(name)
    if (have) {
      have.setNode(node)
      return
    }
    const ghost = this.#ghosts.get(name)
    this.#ghosts.delete(name)
    const info = ghost ?? new NodeInfo(node, this.#rows.row())
    if (ghost) ghost.setNode(node)
    this.#nodes.set(name, info)
    this.#dirty(true)
  }

  /** Removes a node; its pods stay counted under its name until they go. */
  removeNode(name: string): void {
    const info = this.#nodes.get(name)
    if (!info) return
    this.#nodes.delete(name)
    if (info.pods.size > 0) this.#ghosts.set(name, info)
    this.#dirty(true)
  }

  #infoOf(name: string): NodeInfo {
    const have = this.#nodes.get(name) ?? this.#ghosts.get(name)
    if (have) return have
    const ghost = new NodeInfo({ metadata: { name } }, this.#rows.row())
    this.#ghosts.set(name, ghost)
    return ghost
  }

  #place(pi: PodInfo, node: string, assumed: boolean): void {
    const prev = this.#pods.get(pi.uid)
    if (prev && prev.node === node && sameFootprint(prev.pi, pi) && this.#replace(prev, pi, assumed)) return
    if (prev) this.#unplace(prev)
    const info = this.#infoOf(node)
    info.addPod(pi)
    if (hasAffinity(pi)) this.#affinityIndex.add(pi, info)
    this.#labelIndex.add(pi, info)
    this.#pods.set(pi.uid, { pi, node, assumed, deadline: undefined })
    this.#touch(info)
  }

  /**
   * A newer version of a pod on the same node asking for the same (its bound version confirming
   * the assumed one, a status change): the PodInfo is swapped, the node's sums stay as they are.
   */
  #replace(st: PodState, pi: PodInfo, assumed: boolean): boolean {
    const info = this.#nodes.get(st.node) ?? this.#ghosts.get(st.node)
    if (!info?.replacePod(pi)) return false
    if (hasAffinity(st.pi)) {
      this.#affinityIndex.remove(st.pi)
      this.#affinityIndex.add(pi, info)
    }
    if (!this.#labelIndex.replace(pi)) this.#labelIndex.add(pi, info)
    // The state is the pod's own (never handed out): updated in place, as a new one would be set.
    st.pi = pi
    st.assumed = assumed
    st.deadline = undefined
    return true
  }

  #unplace(st: PodState): void {
    this.#affinityIndex.remove(st.pi)
    this.#labelIndex.remove(st.pi)
    const info = this.#nodes.get(st.node) ?? this.#ghosts.get(st.node)
    if (!info) return
    info.removePod(st.pi.uid)
    if (info.pods.size === 0 && this.#ghosts.has(st.node)) this.#ghosts.delete(st.node)
    this.#touch(info)
  }

  /** Keeps the sets of nodes with affinity pods current; the lists change only with membership. */
  #touch(info: NodeInfo): void {
    if (track(this.#affinitySet, info, info.podsWithAffinity.size > 0)) this.#affinity = undefined
    if (track(this.#antiAffinitySet, info, info.podsWithRequiredAntiAffinity.size > 0))
      this.#antiAffinity = undefined
  }

  #dirty(nodes: boolean): void {
    if (nodes) this.#list = undefined
    this.#affinity = undefined
    this.#antiAffinity = undefined
  }

  /** Counts a bound pod (from the informer); confirms it if it was assumed. */
  setPod(pod: Pod, info?: PodInfo): void {
    const node = pod.spec?.nodeName
    if (!node) return
    const pi = info ?? newPodInfo(pod)
    this.#place(pi, node, false)
  }

  /** Stops counting a pod (deleted, or finished). */
  removePod(uid: string): void {
    const st = this.#pods.get(uid)
    if (!st) return
    this.#unplace(st)
    this.#pods.delete(uid)
  }

  /** Counts `pi` on `node` before the binding lands. */
  assumePod(pi: PodInfo, node: string): void {
    this.#place(pi, node, true)
  }

  /** The binding was sent: an assumed pod may now expire (when a TTL is set). */
  finishBinding(uid: string, now: number): void {
    const st = this.#pods.get(uid)
    if (st?.assumed && this.#ttl > 0) st.deadline = now + this.#ttl
  }

  /** Forgets an assumed pod (its binding failed). */
  forgetPod(uid: string): void {
    const st = this.#pods.get(uid)
    if (st?.assumed) this.removePod(uid)
  }

  /** True when the pod is counted as assumed and not yet confirmed. */
  isAssumed(uid: string): boolean {
    return this.#pods.get(uid)?.assumed ?? false
  }

  /** The PodInfo counted for `uid`, if any. */
  podInfo(uid: string): PodInfo | undefined {
    return this.#pods.get(uid)?.pi
  }

  /** True when the pod is counted (bound or assumed). */
  has(uid: string): boolean {
    return this.#pods.has(uid)
  }

  /** Forgets assumed pods whose binding finished more than the TTL ago; returns their uids. */
  cleanupExpired(now: number): string[] {
    const out: string[] = []
    for (const [uid, st] of this.#pods) {
      if (st.assumed && st.deadline !== undefined && st.deadline <= now) out.push(uid)
    }
    for (const uid of out) this.removePod(uid)
    return out
  }
}

/**
 * True when two PodInfos of a pod count the same on a node: the same requests, ports and terms
 * (withNewerPod keeps them, as they cannot change on a bound pod).
 */
function sameFootprint(a: PodInfo, b: PodInfo): boolean {
  return (
    a.requests === b.requests &&
    a.nonZero === b.nonZero &&
    a.ports === b.ports &&
    a.requiredAffinity === b.requiredAffinity &&
    a.requiredAntiAffinity === b.requiredAntiAffinity &&
    a.preferredAffinity === b.preferredAffinity &&
    a.preferredAntiAffinity === b.preferredAntiAffinity
  )
}

/** Adds or removes `info` so the set holds it exactly when `member`; true when that changed it. */
function track(set: Set<NodeInfo>, info: NodeInfo, member: boolean): boolean {
  if (member === set.has(info)) return false
  if (member) set.add(info)
  else set.delete(info)
  return true
}

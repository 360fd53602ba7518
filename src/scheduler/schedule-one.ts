/**
 * One scheduling decision (upstream's schedulePod): pre-filter, filter a sample of the nodes
 * (percentageOfNodesToScore) starting where the last cycle stopped, score the feasible ones and
 * pick the highest, ties broken at random. Pure over the snapshot: no API calls.
 */
import type { CycleState } from "./framework/cycle-state.ts"
import type { NodeInfo } from "./framework/node-info.ts"
import type { PodInfo } from "./framework/pod-info.ts"
import type { Framework } from "./framework/runner.ts"
import { isRejected, isSuccess, type Status } from "./framework/status.ts"
import type { Snapshot } from "./framework/types.ts"
import { fitErrorMessage } from "./fit-error.ts"

/** Below this many nodes every node is filtered. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100
/** The adaptive percentage never goes below this. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5

/**
 * How many feasible nodes to look for among `numAllNodes` (upstream's numFeasibleNodesToFind):
 * all below 100 nodes; else `percentage`, or when 0 the adaptive 50% minus one per 125 nodes
 * (at least 5%); never fewer than 100.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes
  let pct = percentage
  if (pct <= 0) pct = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.trunc(numAllNodes / 125))
  const n = Math.trunc((numAllNodes * pct) / 100)
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND)
}

/** Why a pod fits nowhere: the status of each node that was filtered. */
export class FitError {
  /** Set after post-filter (preemption) ran. */
  postFilterMsg = ""

  constructor(
    readonly numAllNodes: number,
    readonly statuses: Map<string, Status>,
  ) {}

  /** Upstream's message: the histogram of reasons, then what preemption said. */
  get message(): string {
    const msg = fitErrorMessage(this.numAllNodes, this.statuses)
    return this.postFilterMsg ? `${msg} ${this.postFilterMsg}` : msg
  }
}

/** Where a pod goes. */
export interface ScheduleResult {
  readonly suggestedHost: string
  readonly evaluatedNodes: number
  readonly feasibleNodes: number
}

/** Pods nominated to a node that count there for a pod of lower or equal priority. */
export type NominatedPods = (nodeName: string) => readonly PodInfo[]

/** One scheduling attempt: the pod, its cycle state, and the cluster as it stands. */
export interface Attempt {
  readonly state: CycleState
  readonly pod: PodInfo
  readonly snapshot: Snapshot
  readonly nominated?: NominatedPods
}

/**
 * The nodes filtered out in one attempt and why, side by side (a Map only if nothing fits): the
 * first `count` entries are this attempt's. The arrays are never shortened, so their storage is
 * reused from attempt to attempt instead of reallocated as they grow again.
 */
interface Rejected {
  readonly names: string[]
  readonly statuses: Status[]
  count: number
}

/** Schedules pods one at a time; remembers where the last node sample ended. */
export class GenericScheduler {
  #next = 0
  /** Reused from attempt to attempt (schedule() runs synchronously, one at a time). */
  readonly #rejected: Rejected = { names: [], statuses: [], count: 0 }
  readonly #feasible: NodeInfo[] = []

  /**
   * Picks a node for `pod`, or returns a FitError.
   * @throws Error when a plugin fails with an "Error" status
   */
  schedule(fwk: Framework, attempt: Attempt): ScheduleResult | FitError {
    const { state, pod, snapshot, nominated } = attempt
    const all = snapshot.list()
    if (all.length === 0) return new FitError(0, new Map())
    const pre = fwk.runPreFilter(state, pod)
    if (!isSuccess(pre.status)) {
      if (!isRejected(pre.status)) throw new Error(pre.status.reasons.join(", "))
      return new FitError(all.length, new Map(all.map((n) => [n.name, pre.status])))
    }
    const candidates = pre.nodeNames
      ? [...pre.nodeNames].map((n) => snapshot.get(n)).filter((n): n is NodeInfo => !!n)
      : all
    const rejected = this.#rejected
    rejected.count = 0
    // A pod nominated by preemption tries its node first; it fits there once the victims are gone.
    const nominatedNode = snapshot.get(pod.pod.status?.nominatedNodeName ?? "")
    if (nominatedNode && (!pre.nodeNames || pre.nodeNames.has(nominatedNode.name))) {
      const s = fwk.runFilterWithNominated(state, pod, nominatedNode, nominated?.(nominatedNode.name))
      if (isSuccess(s)) return { suggestedHost: nominatedNode.name, evaluatedNodes: 1, feasibleNodes: 1 }
    }
    const feasible = this.#filter(fwk, state, pod, candidates, rejected, nominated)
    if (feasible.length === 0) {
      const statuses = new Map<string, Status>()
      for (let i = 0; i < rejected.count; i++)
        statuses.set(rejected.names[i] as string, rejected.statuses[i] as Status)
      return new FitError(all.length, statuses)
    }
    const first = feasible[0] as NodeInfo
    if (feasible.length === 1)
      return { suggestedHost: first.name, evaluatedNodes: rejected.count + 1, feasibleNodes: 1 }
    const s = fwk.runPreScore(state, pod, feasible)
    if (!isSuccess(s)) throw new Error(s.reasons.join(", "))
    const scores = fwk.runScore(state, pod, feasible)
    return {
      suggestedHost: selectHost(feasible, scores),
      evaluatedNodes: rejected.count + feasible.length,
      feasibleNodes: feasible.length,
    }
  }

  #filter(
    fwk: Framework,
    state: CycleState,
    pod: PodInfo,
    nodes: readonly NodeInfo[],
    rejected: Rejected,
    nominated: NominatedPods | undefined,
  ): NodeInfo[] {
    const want = numFeasibleNodesToFind(fwk.percentageOfNodesToScore, nodes.length)
    // Written by index and cut to size at the end: most cycles find as many nodes as the last,
    // so the array keeps its storage instead of growing from empty every cycle.
    const feasible = this.#feasible
    let found = 0
    const start = this.#next % nodes.length
    let processed = 0
    for (let i = 0; i < nodes.length && found < want; i++) {
      const node = nodes[(start + i) % nodes.length] as NodeInfo
      processed++
      const s = nominated
        ? fwk.runFilterWithNominated(state, pod, node, nominated(node.name))
        : fwk.runFilter(state, pod, node)
      if (isSuccess(s)) feasible[found++] = node
      else if (s.code === "Error") throw new Error(s.reasons.join(", "))
      else {
        rejected.names[rejected.count] = node.name
        rejected.statuses[rejected.count++] = s
      }
    }
    if (feasible.length !== found) feasible.length = found
    this.#next = (start + processed) % nodes.length
    return feasible
  }
}

let seed = (Math.random() * 0x3fffffff) | 1

/**
 * A pseudo-random integer in [0, 2^30) (xorshift32): ties are broken for hundreds of nodes per
 * cycle, and Math.random's boxed doubles were a measurable share of the scheduler's garbage.
 */
function nextRandom(): number {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return seed & 0x3fffffff
}

/** The node with the highest score; ties broken uniformly at random (reservoir sampling). */
export function selectHost(nodes: readonly NodeInfo[], scores: readonly number[]): string {
  let best = -Infinity
  let chosen = ""
  let ties = 0
  for (let i = 0; i < nodes.length; i++) {
    const s = scores[i] ?? 0
    if (s > best) {
      best = s
      chosen = (nodes[i] as NodeInfo).name
      ties = 1
    } else if (s === best) {
      ties++
      if (nextRandom() % ties === 0) chosen = (nodes[i] as NodeInfo).name
    }
  }
  return chosen
}

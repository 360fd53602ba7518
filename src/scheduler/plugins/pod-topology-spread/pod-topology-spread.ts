/**
 * PodTopologySpread: keeps pods of a group evenly spread over topology domains. DoNotSchedule
 * constraints filter (skew over maxSkew rejects a node); ScheduleAnyway constraints, and the
 * cluster's default constraints for pods that set none, score.
 */
import type { TopologySpreadConstraint } from "kubernetes-types/core/v1.js"
import type { CycleState } from "../../framework/cycle-state.ts"
import type { NodeInfo } from "../../framework/node-info.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { skip, success, unresolvable, unschedulable } from "../../framework/status.ts"
import {
  MAX_NODE_SCORE,
  type FilterPlugin,
  type Handle,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from "../../framework/types.ts"
import {
  type Constraint,
  countMatching,
  countsEveryNode,
  defaultConstraints,
  matchingTest,
  nodeCounts,
  ownConstraints,
  SYSTEM_DEFAULT_CONSTRAINTS,
} from "./constraints.ts"

/** Upstream's reasons. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`

const NAME = "PodTopologySpread"
const PRE_FILTER_KEY = `PreFilter${NAME}`
const PRE_SCORE_KEY = `PreScore${NAME}`
const HOSTNAME = "kubernetes.io/hostname"

/** PodTopologySpreadArgs. */
export interface PodTopologySpreadArgs {
  readonly defaultConstraints?: readonly TopologySpreadConstraint[]
  /** "System" (the default: upstream's built-in defaults) or "List" (defaultConstraints). */
  readonly defaultingType?: "System" | "List"
}

interface FilterState {
  readonly constraints: readonly Constraint[]
  /** Matching pods per "key=value". */
  readonly counts: Map<string, number>
  /** The smallest count per constraint (0 when fewer domains than minDomains). */
  readonly min: number[]
  /** The cycle state whose copy this is: a clone of the state copies it before changing it. */
  readonly owner?: CycleState
}

interface ScoreState {
  readonly constraints: readonly Constraint[]
  /** Matching pods per topology value, one map per constraint (no "key=value" string per node). */
  readonly counts: Map<string, number>[]
  readonly weights: number[]
  /** The filtered nodes scoring skips (undefined when none is). */
  readonly ignored: Set<string> | undefined
}

function hasAllKeys(node: NodeInfo, constraints: readonly Constraint[]): boolean {
  return constraints.every((c) => node.labels[c.topologyKey] !== undefined)
}

function computeFilterState(
  pod: PodInfo,
  constraints: readonly Constraint[],
  nodes: readonly NodeInfo[],
): FilterState {
  const counts = new Map<string, number>()
  for (const node of nodes) {
    if (!hasAllKeys(node, constraints)) continue
    constraints.forEach((c) => {
      if (!nodeCounts(c, pod, node)) return
      const pair = `${c.topologyKey}=${node.labels[c.topologyKey]}`
      counts.set(pair, (counts.get(pair) ?? 0) + countMatching(c, pod, node))
    })
  }
  return { constraints, counts, min: minima(constraints, counts) }
}

function minima(constraints: readonly Constraint[], counts: ReadonlyMap<string, number>): number[] {
  return constraints.map((c) => {
    let m = Infinity
    let domains = 0
    for (const [pair, n] of counts) {
      if (!pair.startsWith(`${c.topologyKey}=`)) continue
      domains++
      m = Math.min(m, n)
    }
    return domains < c.minDomains || m === Infinity ? 0 : m
  })
}

/**
 * Counts `other` `by` more times on `node` in the filter state (upstream's updateWithPod, for
 * preemption's what-if and nominated pods); copied on first change in a cloned state.
 */
function updateFilterState(
  state: CycleState,
  change: { readonly pod: PodInfo; readonly other: PodInfo; readonly node: NodeInfo; readonly by: number },
): void {
  const have = state.read<FilterState>(PRE_FILTER_KEY)
  const { pod, other, node, by } = change
  if (!have || other.namespace !== pod.namespace || other.pod.metadata?.deletionTimestamp) return
  if (!hasAllKeys(node, have.constraints)) return
  const s: FilterState =
    have.owner === state ? have : { ...have, counts: new Map(have.counts), min: [...have.min], owner: state }
  let changed = false
  for (const c of have.constraints) {
    if (!nodeCounts(c, pod, node) || !c.matches(other.pod.metadata?.labels)) continue
    const pair = `${c.topologyKey}=${node.labels[c.topologyKey]}`
    s.counts.set(pair, (s.counts.get(pair) ?? 0) + by)
    changed = true
  }
  if (!changed) return
  s.min.splice(0, s.min.length, ...minima(s.constraints, s.counts))
  state.write(PRE_FILTER_KEY, s)
}

/** Builds PodTopologySpread. */
export function newPodTopologySpread(
  args: PodTopologySpreadArgs | undefined,
  handle: Handle,
): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const defaults =
    args?.defaultingType === "List" ? (args.defaultConstraints ?? []) : SYSTEM_DEFAULT_CONSTRAINTS
  /**
   * The default constraints last compiled, and over which selector: the pods of one controller
   * are scheduled one after another with the same selector (and a Constraint never changes).
   */
  let lastDefaults: { readonly matches: Constraint["matches"]; readonly list: Constraint[] } | undefined
  const scoringConstraints = (pod: PodInfo): { list: Constraint[]; requireAll: boolean } => {
    if (pod.pod.spec?.topologySpreadConstraints?.length)
      return { list: ownConstraints(pod.pod, "ScheduleAnyway"), requireAll: true }
    const sel = handle.defaultSpreadSelector?.(pod.pod)
    if (!sel) return { list: [], requireAll: false }
    if (lastDefaults?.matches !== sel)
      lastDefaults = { matches: sel, list: defaultConstraints(defaults, sel) }
    return { list: lastDefaults.list, requireAll: false }
  }
  return {
    name: NAME,
    preFilter(state, pod) {
      const constraints = ownConstraints(pod.pod, "DoNotSchedule")
      if (constraints.length === 0) return { status: skip() }
      state.write(PRE_FILTER_KEY, computeFilterState(pod, constraints, handle.snapshot.list()))
      return { status: success() }
    },
    addPod(state, pod, other, node) {
      updateFilterState(state, { pod, other, node, by: 1 })
      return success()
    },
    removePod(state, pod, other, node) {
      updateFilterState(state, { pod, other, node, by: -1 })
      return success()
    },
    filter(state, pod, node) {
      const s = state.read<FilterState>(PRE_FILTER_KEY)
      if (!s) return success()
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i] as Constraint
        const value = node.labels[c.topologyKey]
        if (value === undefined) return unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH)
        const self = c.matches(pod.pod.metadata?.labels) ? 1 : 0
        const skew = (s.counts.get(`${c.topologyKey}=${value}`) ?? 0) + self - (s.min[i] ?? 0)
        if (skew > c.maxSkew) return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH)
      }
      return success()
    },
    preScore(state, pod, filtered) {
      const { list, requireAll } = scoringConstraints(pod)
      if (list.length === 0) return skip()
      let ignored: Set<string> | undefined
      const domains = list.map(() => new Set<string>())
      for (let j = 0; j < filtered.length; j++) {
        const n = filtered[j] as NodeInfo
        let keys = 0
        for (let i = 0; i < list.length; i++)
          if (n.labels[(list[i] as Constraint).topologyKey] !== undefined) keys++
        if (requireAll ? keys < list.length : keys === 0) {
          ;(ignored ??= new Set()).add(n.name)
          continue
        }
        for (let i = 0; i < list.length; i++) {
          const v = n.labels[(list[i] as Constraint).topologyKey]
          if (v !== undefined) (domains[i] as Set<string>).add(v)
        }
      }
      const counts = list.map(() => new Map<string, number>())
      for (let i = 0; i < list.length; i++) {
        const c = list[i] as Constraint
        const byValue = counts[i] as Map<string, number>
        const test = matchingTest(c, pod)
        const everyNode = countsEveryNode(c, pod)
        // Per host, only the filtered nodes matter; wider domains count every node.
        const nodes = c.topologyKey === HOSTNAME ? filtered : handle.snapshot.list()
        for (let j = 0; j < nodes.length; j++) {
          const n = nodes[j] as NodeInfo
          const v = n.labels[c.topologyKey]
          if (v === undefined || (!everyNode && !nodeCounts(c, pod, n))) continue
          byValue.set(v, (byValue.get(v) ?? 0) + n.countPods(test))
        }
      }
      const weights = domains.map((d) => Math.log(d.size + 2))
      state.write(PRE_SCORE_KEY, { constraints: list, counts, weights, ignored } satisfies ScoreState)
      return success()
    },
    score(state, _pod, node) {
      const s = state.read<ScoreState>(PRE_SCORE_KEY)
      if (!s || s.ignored?.has(node.name)) return 0
      let score = 0
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i] as Constraint
        const v = node.labels[c.topologyKey]
        if (v === undefined) continue
        score += (s.counts[i]?.get(v) ?? 0) * (s.weights[i] ?? 1) + (c.maxSkew - 1)
      }
      return Math.round(score)
    },
    normalizeScore(state, _pod, scores, nodes) {
      const s = state.read<ScoreState>(PRE_SCORE_KEY)
      if (!s) return
      const ignored = s.ignored
      // Ignored nodes score 0 and do not count towards min and max.
      let min = Infinity
      let max = 0
      for (let i = 0; i < scores.length; i++) {
        if (ignored?.has(nodes[i]?.name ?? "")) continue
        const x = scores[i] as number
        max = Math.max(max, x)
        min = Math.min(min, x)
      }
      if (max === 0) {
        scores.fill(MAX_NODE_SCORE)
        return
      }
      for (let i = 0; i < scores.length; i++) {
        const x = scores[i] ?? 0
        scores[i] = ignored?.has(nodes[i]?.name ?? "")
          ? 0
          : Math.trunc((MAX_NODE_SCORE * (max + min - x)) / max)
      }
    },
  }
}

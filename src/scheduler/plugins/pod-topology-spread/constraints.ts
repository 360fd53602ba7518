/**
 * The spread constraints of a pod, compiled: its own topologySpreadConstraints, or the
 * cluster's default constraints (upstream's system defaults: 3 per host, 5 per zone, both
 * ScheduleAnyway) over the selector of the Services and controllers that select the pod.
 */
import type { Pod, TopologySpreadConstraint } from "kubernetes-types/core/v1.js"
import {
  type LabelSelector,
  type Labels,
  nodeSelectorTermsMatch,
  selectorMatcher,
} from "../../../api/index.ts"
import type { NodeInfo } from "../../framework/node-info.ts"
import { findUntoleratedTaint } from "../helper.ts"
import type { PodInfo } from "../../framework/pod-info.ts"

/** A compiled constraint. */
export interface Constraint {
  readonly maxSkew: number
  readonly topologyKey: string
  readonly whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway"
  readonly minDomains: number
  readonly matches: (labels: Labels | undefined) => boolean
  /** Whether nodes the pod's node affinity excludes are left out of the counts (default Honor). */
  readonly honorNodeAffinity: boolean
  /** Whether nodes with taints the pod does not tolerate are left out (default Ignore). */
  readonly honorNodeTaints: boolean
}

/** Upstream's system default constraints. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = [
  { topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", maxSkew: 3 },
  { topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", maxSkew: 5 },
]

/** Compiles the pod's own constraints of one kind. */
export function ownConstraints(pod: Pod, kind: Constraint["whenUnsatisfiable"]): Constraint[] {
  return (pod.spec?.topologySpreadConstraints ?? [])
    .filter((c) => c.whenUnsatisfiable === kind)
    .map((c) => {
      const base = c.labelSelector as LabelSelector | undefined
      // matchLabelKeys: the pod's own values for those keys narrow the selector.
      const extra = (c.matchLabelKeys ?? [])
        .filter((k) => pod.metadata?.labels?.[k] !== undefined)
        .map((k) => ({ key: k, operator: "In", values: [pod.metadata?.labels?.[k] ?? ""] }))
      const sel =
        base && extra.length
          ? { ...base, matchExpressions: [...(base.matchExpressions ?? []), ...extra] }
          : base
      return {
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        whenUnsatisfiable: kind,
        minDomains: c.minDomains ?? 1,
        matches: selectorMatcher(sel),
        honorNodeAffinity: c.nodeAffinityPolicy !== "Ignore",
        honorNodeTaints: c.nodeTaintsPolicy === "Honor",
      }
    })
}

/** The default constraints over `matches` (ScheduleAnyway only). */
export function defaultConstraints(
  defaults: readonly TopologySpreadConstraint[],
  matches: (labels: Labels | undefined) => boolean,
): Constraint[] {
  return defaults.map((c) => ({
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    whenUnsatisfiable: c.whenUnsatisfiable as Constraint["whenUnsatisfiable"],
    minDomains: 1,
    matches,
    honorNodeAffinity: true,
    honorNodeTaints: false,
  }))
}

/** True when the node counts for the constraint (node inclusion policies). */
export function nodeCounts(c: Constraint, pod: PodInfo, node: NodeInfo): boolean {
  if (c.honorNodeAffinity) {
    const sel = pod.pod.spec?.nodeSelector
    for (const k in sel) if (node.labels[k] !== sel[k]) return false
    const terms =
      pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
    if (terms && !nodeSelectorTermsMatch(terms, node.node)) return false
  }
  if (c.honorNodeTaints) {
    const t = findUntoleratedTaint(
      node.taints,
      pod.pod.spec?.tolerations ?? [],
      (x) => x.effect === "NoSchedule" || x.effect === "NoExecute",
    )
    if (t) return false
  }
  return true
}

/** A node's last count: of the pods of `namespace` that `matches` selects, at `generation`. */
interface Count {
  generation: number
  matches: Constraint["matches"]
  namespace: string
  n: number
}

/**
 * Each node's last count. Pods of one controller are scheduled one after another with the same
 * selector (default spreading compiles each controller's once), and a cycle changes one node:
 * the others' counts are read again instead of walking their pods for every pod scheduled.
 */
const lastCounts = new WeakMap<NodeInfo, Count>()

/** How many pods on `node` in the pod's namespace the constraint's selector matches (terminating ones excepted). */
export function countMatching(c: Constraint, pod: PodInfo, node: NodeInfo): number {
  const last = lastCounts.get(node)
  if (
    last !== undefined &&
    last.generation === node.generation &&
    last.matches === c.matches &&
    last.namespace === pod.namespace
  )
    return last.n
  let n = 0
  for (const p of node.pods.values()) {
    if (p.namespace !== pod.namespace || p.pod.metadata?.deletionTimestamp) continue
    if (c.matches(p.pod.metadata?.labels)) n++
  }
  if (last === undefined) {
    lastCounts.set(node, { generation: node.generation, matches: c.matches, namespace: pod.namespace, n })
  } else {
    last.generation = node.generation
    last.matches = c.matches
    last.namespace = pod.namespace
    last.n = n
  }
  return n
}

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

/** The predicate of each selector and namespace countMatching counts by (see NodeInfo.countPods). */
const predicates = new WeakMap<Constraint["matches"], Map<string, (pi: PodInfo) => boolean>>()

function predicateOf(matches: Constraint["matches"], namespace: string): (pi: PodInfo) => boolean {
  let byNamespace = predicates.get(matches)
  if (!byNamespace) predicates.set(matches, (byNamespace = new Map()))
  let test = byNamespace.get(namespace)
  if (!test) {
    test = (p) =>
      p.namespace === namespace && !p.pod.metadata?.deletionTimestamp && matches(p.pod.metadata?.labels)
    byNamespace.set(namespace, test)
  }
  return test
}

/**
 * How many pods on `node` in the pod's namespace the constraint's selector matches (terminating
 * ones excepted). The node keeps the count as its pods change: default spreading compiles each
 * controller's selector once, so the pods of one controller ask for the same count.
 */
export function countMatching(c: Constraint, pod: PodInfo, node: NodeInfo): number {
  return node.countPods(matchingTest(c, pod))
}

/**
 * The predicate countMatching counts by, for a loop over many nodes to look up once:
 * `node.countPods(matchingTest(c, pod))` is countMatching(c, pod, node).
 */
export function matchingTest(c: Constraint, pod: PodInfo): (pi: PodInfo) => boolean {
  return predicateOf(c.matches, pod.namespace)
}

/** True when nodeCounts holds for every node: the constraint leaves no node out for this pod. */
export function countsEveryNode(c: Constraint, pod: PodInfo): boolean {
  if (c.honorNodeTaints) return false
  if (!c.honorNodeAffinity) return true
  const spec = pod.pod.spec
  for (const _ in spec?.nodeSelector) return false
  return !spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
}

/**
 * The selector default pod spreading uses (upstream's DefaultSelector): the conjunction of the
 * selectors of the Services, ReplicationControllers, ReplicaSets and StatefulSets in the pod's
 * namespace that select it; undefined when none does.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  type LabelSelector,
  type Labels,
  ReplicaSets,
  ReplicationControllers,
  selectorFromSet,
  selectorMatcher,
  Services,
  StatefulSets,
} from "../api/index.ts"
import { BY_NAMESPACE, type Informers } from "../client/index.ts"

type Matcher = (labels: Labels | undefined) => boolean

/** The refs default spreading reads. */
export const SPREAD_SOURCES = [Services, ReplicationControllers, ReplicaSets, StatefulSets] as const

/** Builds the lookup over the informers of SPREAD_SOURCES. */
export function defaultSpreadSelector(informers: Informers): (pod: Pod) => Matcher | undefined {
  return (pod) => {
    const ns = pod.metadata?.namespace ?? "default"
    const labels = pod.metadata?.labels ?? {}
    if (Object.keys(labels).length === 0) return undefined
    const matchers: Matcher[] = []
    const byNs = (ref: (typeof SPREAD_SOURCES)[number]) =>
      informers.get<ApiObject>(ref).cache.byIndex(BY_NAMESPACE, ns)
    for (const obj of [...byNs(Services), ...byNs(ReplicationControllers)]) {
      const set = (obj.spec as { selector?: Record<string, string> } | undefined)?.selector
      if (!set || Object.keys(set).length === 0) continue
      const m = selectorFromSet(set)
      if (m(labels)) matchers.push(m)
    }
    for (const obj of [...byNs(ReplicaSets), ...byNs(StatefulSets)]) {
      const sel = (obj.spec as { selector?: LabelSelector } | undefined)?.selector
      if (!sel) continue
      const m = selectorMatcher(sel)
      if (m(labels)) matchers.push(m)
    }
    if (matchers.length === 0) return undefined
    return (l) => matchers.every((m) => m(l))
  }
}

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
  Services,
  StatefulSets,
} from "../api/index.ts"
import { BY_NAMESPACE, type Informers } from "../client/index.ts"
import { compileSelector } from "./framework/selector.ts"

type Matcher = (labels: Labels | undefined) => boolean

/** The refs default spreading reads. */
export const SPREAD_SOURCES = [Services, ReplicationControllers, ReplicaSets, StatefulSets] as const

/**
 * Each cached object's compiled selector: every pod scheduled reads the selectors of its
 * namespace's Services and controllers, and a cached object (frozen) never changes.
 */
const compiled = new WeakMap<object, Matcher | null>()

/** How many distinct selectors bySelector remembers before it starts over. */
const MAX_SELECTORS = 1024

/**
 * The compiled selectors by their text: a controller's status write brings a new object with the
 * same selector, and it must get the same matcher, or spreading's per-node counts (kept by
 * matcher) are counted again from the pods of every node.
 */
const bySelector = new Map<string, Matcher | null>()

/** The matcher compiled for the selector spelled `text`, compiling it with `build` once. */
function matcherFor(text: string, build: () => Matcher | null): Matcher | null {
  let m = bySelector.get(text)
  if (m !== undefined) return m
  m = build()
  if (bySelector.size >= MAX_SELECTORS) bySelector.clear()
  bySelector.set(text, m)
  return m
}

/** The compiled selector of a Service or ReplicationController (a plain map; none when empty). */
function setMatcher(obj: ApiObject): Matcher | null {
  let m = compiled.get(obj)
  if (m !== undefined) return m
  const set = (obj.spec as { selector?: Record<string, string> } | undefined)?.selector
  m =
    set && Object.keys(set).length > 0
      ? matcherFor(`set:${JSON.stringify(set)}`, () => compileSelector({ matchLabels: set }))
      : null
  if (Object.isFrozen(obj)) compiled.set(obj, m)
  return m
}

/** The compiled LabelSelector of a ReplicaSet or StatefulSet (none when unset). */
function selectorOf(obj: ApiObject): Matcher | null {
  let m = compiled.get(obj)
  if (m !== undefined) return m
  const sel = (obj.spec as { selector?: LabelSelector } | undefined)?.selector
  m = sel ? matcherFor(`selector:${JSON.stringify(sel)}`, () => compileSelector(sel)) : null
  if (Object.isFrozen(obj)) compiled.set(obj, m)
  return m
}

/** Builds the lookup over the informers of SPREAD_SOURCES. */
export function defaultSpreadSelector(informers: Informers): (pod: Pod) => Matcher | undefined {
  /**
   * The last conjunction built, and of what: the pods of one controller come one after another,
   * and they get the same matcher (spreading keeps its counts by matcher).
   */
  let last: { readonly of: readonly Matcher[]; readonly all: Matcher } | undefined
  return (pod) => {
    const ns = pod.metadata?.namespace ?? "default"
    const labels = pod.metadata?.labels ?? {}
    if (Object.keys(labels).length === 0) return undefined
    const matchers: Matcher[] = []
    for (const ref of SPREAD_SOURCES) {
      const of = ref === Services || ref === ReplicationControllers ? setMatcher : selectorOf
      for (const obj of informers.get<ApiObject>(ref).cache.byIndex(BY_NAMESPACE, ns)) {
        const m = of(obj)
        if (m?.(labels)) matchers.push(m)
      }
    }
    if (matchers.length <= 1) return matchers[0]
    if (last?.of.length === matchers.length && last.of.every((m, i) => m === matchers[i])) return last.all
    last = { of: matchers, all: (l) => matchers.every((m) => m(l)) }
    return last.all
  }
}

/**
 * meta/v1 LabelSelectors evaluated against labels, as controllers, the scheduler and the proxy
 * use them: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist).
 */
import type { LabelSelector } from "kubernetes-types/meta/v1.js"

export type { LabelSelector }

/** An object's labels. */
export type Labels = Readonly<Record<string, string>>

/** A compiled selector. */
export type LabelMatcher = (labels: Labels | undefined) => boolean

const NOTHING: LabelMatcher = () => false

/**
 * Compiles a LabelSelector as upstream's LabelSelectorAsSelector does: an absent selector
 * matches nothing, an empty one everything; an unknown operator makes it match nothing.
 */
export function selectorMatcher(sel: LabelSelector | null | undefined): LabelMatcher {
  if (!sel) return NOTHING
  const reqs: ((l: Labels) => boolean)[] = []
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push((l) => l[k] === v)
  for (const e of sel.matchExpressions ?? []) {
    const key = e.key
    const values = new Set(e.values ?? [])
    switch (e.operator) {
      case "In":
        reqs.push((l) => key in l && values.has(l[key] as string))
        break
      case "NotIn":
        reqs.push((l) => !(key in l) || !values.has(l[key] as string))
        break
      case "Exists":
        reqs.push((l) => key in l)
        break
      case "DoesNotExist":
        reqs.push((l) => !(key in l))
        break
      default:
        return NOTHING
    }
  }
  return (labels) => {
    const l = labels ?? {}
    return reqs.every((r) => r(l))
  }
}

/** True when `labels` satisfy the selector (see selectorMatcher for absent and empty ones). */
export function labelSelectorMatches(
  sel: LabelSelector | null | undefined,
  labels: Labels | undefined,
): boolean {
  return selectorMatcher(sel)(labels)
}

/**
 * The equality selector of a plain map (a ReplicationController's or Service's selector): every
 * pair must match; the empty map matches everything.
 */
export function selectorFromSet(set: Labels | null | undefined): LabelMatcher {
  const pairs = Object.entries(set ?? {})
  return (labels) => {
    const l = labels ?? {}
    return pairs.every(([k, v]) => l[k] === v)
  }
}

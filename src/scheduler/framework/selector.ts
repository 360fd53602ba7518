/**
 * LabelSelectors compiled for the scheduler's hot loops (inter-pod affinity and spreading check
 * every existing pod against a term): a selector of matchLabels only, the common case, is a
 * plain loop over its pairs; anything else is the api's general matcher. Same results as
 * selectorMatcher: an absent selector matches nothing, an empty one everything.
 */
import { type LabelSelector, type Labels, selectorMatcher } from "../../api/index.ts"

/** A compiled selector. */
export type LabelMatcher = (labels: Labels | undefined) => boolean

const EVERYTHING: LabelMatcher = () => true

/** Compiles `sel` into a matcher that allocates nothing per call. */
export function compileSelector(sel: LabelSelector | null | undefined): LabelMatcher {
  if (!sel || sel.matchExpressions?.length) return selectorMatcher(sel)
  const keys = Object.keys(sel.matchLabels ?? {})
  const values = keys.map((k) => (sel.matchLabels as Labels)[k] as string)
  if (keys.length === 0) return EVERYTHING
  if (keys.length === 1) {
    const k = keys[0] as string
    const v = values[0] as string
    return (labels: Labels | undefined) => labels !== undefined && labels[k] === v
  }
  return (labels: Labels | undefined) => {
    if (labels === undefined) return false
    for (let i = 0; i < keys.length; i++) if (labels[keys[i] as string] !== values[i]) return false
    return true
  }
}

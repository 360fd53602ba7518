/**
 * NodeSelector terms evaluated against a node (upstream's nodeaffinity helpers): terms are ORed,
 * the requirements of a term ANDed; matchExpressions on labels (In, NotIn, Exists, DoesNotExist,
 * Gt, Lt), matchFields on metadata.name (In, NotIn).
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm } from "kubernetes-types/core/v1.js"

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? []
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value)
    case "NotIn":
      return value === undefined || !values.includes(value)
    case "Exists":
      return value !== undefined
    case "DoesNotExist":
      return value === undefined
    case "Gt":
    case "Lt": {
      if (value === undefined || values.length !== 1) return false
      const have = Number.parseInt(value, 10)
      const want = Number.parseInt(values[0] ?? "", 10)
      if (Number.isNaN(have) || Number.isNaN(want)) return false
      return r.operator === "Gt" ? have > want : have < want
    }
    default:
      return false
  }
}

/** True when every requirement of the term holds; an empty term matches nothing. */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? []
  const fields = term.matchFields ?? []
  if (exprs.length === 0 && fields.length === 0) return false
  const labels = node.metadata?.labels ?? {}
  for (const r of exprs) if (!requirementMatches(r, labels[r.key])) return false
  for (const r of fields) {
    if (r.key !== "metadata.name") return false
    if (!requirementMatches(r, node.metadata?.name)) return false
  }
  return true
}

/** True when any term matches. */
export function anyTermMatches(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  return terms.some((t) => termMatches(t, node))
}

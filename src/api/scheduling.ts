/**
 * Pod-to-node rules every component evaluates the same way: taint tolerations (upstream's
 * Toleration.ToleratesTaint), node selector terms (terms ORed, requirements ANDed; labels with
 * In, NotIn, Exists, DoesNotExist, Gt, Lt; fields on metadata.name).
 */
import type {
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Taint,
  Toleration,
} from "kubernetes-types/core/v1.js"

/** True when the toleration tolerates the taint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false
  if (t.key && t.key !== taint.key) return false
  // An empty key with Exists tolerates everything.
  if (t.operator === "Exists") return true
  if (!t.operator || t.operator === "Equal") return (t.value ?? "") === (taint.value ?? "")
  return false
}

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
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
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
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  return terms.some((t) => nodeSelectorTermMatches(t, node))
}

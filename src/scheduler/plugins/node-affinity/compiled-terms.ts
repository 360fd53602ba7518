/**
 * Node selector terms compiled for NodeAffinity's per-node checks: terms over labels with In,
 * NotIn, Exists and DoesNotExist (the common case) become indexed loops over the node's labels
 * that allocate nothing; any other term (matchFields, Gt, Lt) is the api's nodeSelectorTermMatches.
 * Same results as nodeSelectorTermMatches and nodeSelectorTermsMatch. Compiled once per terms
 * array (a pod's spec does not change while it waits), not once per node.
 */
import type { NodeSelectorTerm, PreferredSchedulingTerm } from "kubernetes-types/core/v1.js"
import { nodeSelectorTermMatches } from "../../../api/index.ts"
import type { NodeInfo } from "../../framework/node-info.ts"

/** A compiled term: true when it matches the node. */
export type NodeMatcher = (node: NodeInfo) => boolean

/** A compiled preferred term. */
export interface WeightedMatcher {
  readonly weight: number
  readonly matches: NodeMatcher
}

const NOTHING: NodeMatcher = () => false
const LABEL_OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist"])

/** Compiles one term; an empty term matches nothing. */
export function compileTerm(term: NodeSelectorTerm): NodeMatcher {
  const exprs = term.matchExpressions ?? []
  const fields = term.matchFields ?? []
  if (exprs.length === 0 && fields.length === 0) return NOTHING
  if (fields.length > 0 || exprs.some((r) => !LABEL_OPERATORS.has(r.operator)))
    return (n) => nodeSelectorTermMatches(term, n.node)
  const keys = exprs.map((r) => r.key)
  const ops = exprs.map((r) => r.operator)
  const values = exprs.map((r) => r.values ?? [])
  return (n) => {
    const labels = n.labels
    for (let i = 0; i < keys.length; i++) {
      const v = labels[keys[i] as string]
      const op = ops[i]
      if (op === "In") {
        if (v === undefined || !(values[i] as string[]).includes(v)) return false
      } else if (op === "NotIn") {
        if (v !== undefined && (values[i] as string[]).includes(v)) return false
      } else if (op === "Exists") {
        if (v === undefined) return false
      } else if (v !== undefined) return false
    }
    return true
  }
}

const required = new WeakMap<readonly NodeSelectorTerm[], NodeMatcher>()
const preferred = new WeakMap<readonly PreferredSchedulingTerm[], readonly WeightedMatcher[]>()

/** The required terms as one matcher: true when any term matches (terms are ORed). */
export function compiledRequired(terms: readonly NodeSelectorTerm[]): NodeMatcher {
  let m = required.get(terms)
  if (!m) {
    const each = terms.map(compileTerm)
    m = (n) => {
      for (let i = 0; i < each.length; i++) if ((each[i] as NodeMatcher)(n)) return true
      return false
    }
    required.set(terms, m)
  }
  return m
}

/** The preferred terms with a weight, compiled. */
export function compiledPreferred(terms: readonly PreferredSchedulingTerm[]): readonly WeightedMatcher[] {
  let m = preferred.get(terms)
  if (!m) {
    m = terms.filter((t) => t.weight).map((t) => ({ weight: t.weight, matches: compileTerm(t.preference) }))
    preferred.set(terms, m)
  }
  return m
}

/**
 * NodeAffinity: filters on spec.nodeSelector and required node affinity; scores by the summed
 * weights of the preferred terms a node matches, normalized so the best node gets 100.
 */
import type { NodeSelectorTerm, PreferredSchedulingTerm } from "kubernetes-types/core/v1.js"
import type { CycleState } from "../../framework/cycle-state.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { fixedStatus, skip, success } from "../../framework/status.ts"
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from "../../framework/types.ts"
import { defaultNormalizeScore } from "../helper.ts"
import { compiledPreferred, compiledRequired, type WeightedMatcher } from "./compiled-terms.ts"

/** Upstream's reason when the node does not match the pod's selector or required affinity. */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"

const NAME = "NodeAffinity"
const REJECTED = fixedStatus("UnschedulableAndUnresolvable", NAME, ERR_REASON_POD)

function requiredTerms(pi: PodInfo): readonly NodeSelectorTerm[] | undefined {
  return pi.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms
}

const NO_TERMS: readonly PreferredSchedulingTerm[] = Object.freeze([])

function preferredTerms(pi: PodInfo): readonly PreferredSchedulingTerm[] {
  return pi.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? NO_TERMS
}

/** The node names every required term pins the pod to (matchFields metadata.name In), if all do. */
function pinnedNodeNames(terms: readonly NodeSelectorTerm[] | undefined): Set<string> | undefined {
  if (!terms || terms.length === 0) return undefined
  const names = new Set<string>()
  for (const t of terms) {
    const f = (t.matchFields ?? []).find((r) => r.key === "metadata.name" && r.operator === "In")
    if (!f) return undefined
    for (const v of f.values ?? []) names.add(v)
  }
  return names
}

/** Builds NodeAffinity. */
export function newNodeAffinity(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    preFilter(_state, pod) {
      const names = pinnedNodeNames(requiredTerms(pod))
      const hasSelector = Object.keys(pod.pod.spec?.nodeSelector ?? {}).length > 0
      if (!names && !hasSelector && !requiredTerms(pod)) return { status: skip() }
      return names ? { status: success(), nodeNames: names } : { status: success() }
    },
    filter(_state, pod, node) {
      const labels = node.labels
      const selector = pod.pod.spec?.nodeSelector
      if (selector) for (const k in selector) if (labels[k] !== selector[k]) return REJECTED
      const terms = requiredTerms(pod)
      if (terms && !compiledRequired(terms)(node)) return REJECTED
      return success()
    },
    preScore(_state: CycleState, pod) {
      return preferredTerms(pod).length === 0 ? skip() : success()
    },
    score(_state, pod, node) {
      const terms = compiledPreferred(preferredTerms(pod))
      let sum = 0
      for (let i = 0; i < terms.length; i++) {
        const t = terms[i] as WeightedMatcher
        if (t.matches(node)) sum += t.weight
      }
      return sum
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, false)
    },
  }
}

/**
 * TaintToleration: filters out nodes with a NoSchedule or NoExecute taint the pod does not
 * tolerate; scores nodes by how few PreferNoSchedule taints the pod does not tolerate.
 */
import type { Toleration } from "kubernetes-types/core/v1.js"
import { skip, success, unresolvable } from "../../framework/status.ts"
import type { FilterPlugin, PreScorePlugin, ScorePlugin } from "../../framework/types.ts"
import { defaultNormalizeScore, toleratesTaint } from "../helper.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { findUntoleratedTaint } from "../helper.ts"

const NAME = "TaintToleration"

function tolerationsOf(pod: PodInfo): readonly Toleration[] {
  return pod.pod.spec?.tolerations ?? []
}

/** Builds TaintToleration. */
export function newTaintToleration(): FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    filter(_state, pod, node) {
      const taint = findUntoleratedTaint(
        node.taints,
        tolerationsOf(pod),
        (t) => t.effect === "NoSchedule" || t.effect === "NoExecute",
      )
      if (!taint) return success()
      return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`)
    },
    preScore(_state, _pod, nodes) {
      return nodes.some((n) => n.taints.length > 0) ? success() : skip()
    },
    score(_state, pod, node) {
      // Only tolerations that could apply to PreferNoSchedule taints count, as upstream.
      const tols = tolerationsOf(pod).filter((t) => !t.effect || t.effect === "PreferNoSchedule")
      let n = 0
      for (const taint of node.taints) {
        if (taint.effect === "PreferNoSchedule" && !tols.some((t) => toleratesTaint(t, taint))) n++
      }
      return n
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, true)
    },
  }
}

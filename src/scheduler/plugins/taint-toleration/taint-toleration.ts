/**
 * TaintToleration: filters out nodes with a NoSchedule or NoExecute taint the pod does not
 * tolerate; scores nodes by how few PreferNoSchedule taints the pod does not tolerate.
 */
import type { Taint, Toleration } from "kubernetes-types/core/v1.js"
import { fixedStatus, skip, type Status, success } from "../../framework/status.ts"
import type { FilterPlugin, PreScorePlugin, ScorePlugin } from "../../framework/types.ts"
import { defaultNormalizeScore } from "../helper.ts"
import type { PodInfo } from "../../framework/pod-info.ts"
import { anyTolerates, findUntoleratedScheduleTaint } from "../helper.ts"

const NAME = "TaintToleration"
const PRE_SCORE_KEY = `PreScore${NAME}`

const NO_TOLERATIONS: readonly Toleration[] = Object.freeze([])

function tolerationsOf(pod: PodInfo): readonly Toleration[] {
  return pod.pod.spec?.tolerations ?? NO_TOLERATIONS
}

/** Only tolerations that could apply to PreferNoSchedule taints count for the score, as upstream. */
function preferNoScheduleTolerations(pod: PodInfo): readonly Toleration[] {
  return tolerationsOf(pod).filter((t) => !t.effect || t.effect === "PreferNoSchedule")
}

/** Builds TaintToleration. */
export function newTaintToleration(): FilterPlugin & PreScorePlugin & ScorePlugin {
  // Node objects are replaced on change, so their taints key the shared statuses.
  const rejections = new WeakMap<Taint, Status>()
  return {
    name: NAME,
    filter(_state, pod, node) {
      if (node.taints.length === 0) return success()
      const taint = findUntoleratedScheduleTaint(node.taints, tolerationsOf(pod))
      if (!taint) return success()
      let s = rejections.get(taint)
      if (!s) {
        s = fixedStatus(
          "UnschedulableAndUnresolvable",
          NAME,
          `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`,
        )
        rejections.set(taint, s)
      }
      return s
    },
    preScore(state, pod, nodes) {
      if (!nodes.some((n) => n.taints.length > 0)) return skip()
      state.write(PRE_SCORE_KEY, preferNoScheduleTolerations(pod))
      return success()
    },
    score(state, pod, node) {
      if (node.taints.length === 0) return 0
      const tols = state.read<readonly Toleration[]>(PRE_SCORE_KEY) ?? preferNoScheduleTolerations(pod)
      const taints = node.taints
      let n = 0
      for (let i = 0; i < taints.length; i++) {
        const taint = taints[i] as Taint
        if (taint.effect === "PreferNoSchedule" && !anyTolerates(tols, taint)) n++
      }
      return n
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, true)
    },
  }
}

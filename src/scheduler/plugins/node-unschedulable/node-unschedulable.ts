/** NodeUnschedulable: keeps pods off cordoned nodes unless they tolerate the unschedulable taint. */
import { fixedStatus, success } from "../../framework/status.ts"
import type { FilterPlugin } from "../../framework/types.ts"
import { toleratesTaint } from "../../../api/index.ts"

/** Upstream's reason when a node is cordoned. */
export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"

const REJECTED = fixedStatus("UnschedulableAndUnresolvable", "NodeUnschedulable", ERR_REASON_UNSCHEDULABLE)
const UNSCHEDULABLE_TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }

/** Builds NodeUnschedulable. */
export function newNodeUnschedulable(): FilterPlugin {
  return {
    name: "NodeUnschedulable",
    filter(_state, pod, node) {
      if (!node.unschedulable) return success()
      const tolerated = (pod.pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT))
      return tolerated ? success() : REJECTED
    },
  }
}

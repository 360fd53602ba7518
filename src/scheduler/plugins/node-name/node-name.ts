/** NodeName: a pod that names a node (spec.nodeName) fits only there. */
import { fixedStatus, success } from "../../framework/status.ts"
import type { FilterPlugin } from "../../framework/types.ts"

/** Upstream's reason. */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name"

const REJECTED = fixedStatus("UnschedulableAndUnresolvable", "NodeName", ERR_REASON_NODE_NAME)

/** Builds NodeName. */
export function newNodeName(): FilterPlugin {
  return {
    name: "NodeName",
    filter(_state, pod, node) {
      const wanted = pod.pod.spec?.nodeName
      return !wanted || wanted === node.name ? success() : REJECTED
    },
  }
}

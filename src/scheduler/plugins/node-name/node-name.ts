/** NodeName: a pod that names a node (spec.nodeName) fits only there. */
import { unresolvable, success } from "../../framework/status.ts"
import type { FilterPlugin } from "../../framework/types.ts"

/** Upstream's reason. */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name"

/** Builds NodeName. */
export function newNodeName(): FilterPlugin {
  return {
    name: "NodeName",
    filter(_state, pod, node) {
      const wanted = pod.pod.spec?.nodeName
      return !wanted || wanted === node.name ? success() : unresolvable(ERR_REASON_NODE_NAME)
    },
  }
}

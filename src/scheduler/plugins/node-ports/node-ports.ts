/** NodePorts: a pod asking for host ports fits only where no pod holds a conflicting one. */
import type { PodInfo } from "../../framework/pod-info.ts"
import type { NodeInfo } from "../../framework/node-info.ts"
import { fixedStatus, skip, success } from "../../framework/status.ts"
import type { FilterPlugin, PreFilterPlugin } from "../../framework/types.ts"

/** Upstream's reason. */
export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports"

/** True when one of the pod's "protocol/ip/port" conflicts on the node (0.0.0.0 meets every IP). */
function conflicts(pod: PodInfo, node: NodeInfo): boolean {
  if (node.usedPorts.size === 0) return false
  for (const want of pod.ports) {
    const [proto, ip, port] = want.split("/")
    if (ip === "0.0.0.0") {
      for (const used of node.usedPorts.keys()) {
        const [p2, , port2] = used.split("/")
        if (p2 === proto && port2 === port) return true
      }
    } else if (node.usedPorts.has(want) || node.usedPorts.has(`${proto}/0.0.0.0/${port}`)) return true
  }
  return false
}

const REJECTED = fixedStatus("Unschedulable", "NodePorts", ERR_REASON_PORTS)

/** Builds NodePorts. */
export function newNodePorts(): PreFilterPlugin & FilterPlugin {
  return {
    name: "NodePorts",
    preFilter(_state, pod) {
      return { status: pod.ports.length === 0 ? skip() : success() }
    },
    filter(_state, pod, node) {
      return conflicts(pod, node) ? REJECTED : success()
    },
  }
}

/**
 * Node health as the node-lifecycle controller judges it: when it last heard from the kubelet
 * (a changed Ready heartbeat or a renewed Lease), and the conditions a silent node gets once
 * the grace period has passed (Unknown, "Kubelet stopped posting node status.").
 */
import type { Node, NodeCondition } from "kubernetes-types/core/v1.js"
import type { Lease } from "kubernetes-types/coordination/v1.js"

/** --node-monitor-grace-period: silence tolerated before a node is marked Unknown. */
export const NODE_MONITOR_GRACE_MS = 40_000
/** --node-startup-grace-period: the same for a node that never posted status. */
export const NODE_STARTUP_GRACE_MS = 60_000

/** What the controller remembers of one node between passes. */
export interface NodeHealth {
  /** When the controller last heard from the kubelet (its clock, ms). */
  readonly probeTimestamp: number
  /** The Ready condition as last observed. */
  readonly ready?: NodeCondition | undefined
  /** The Lease renewTime as last observed. */
  readonly renewTime?: string | undefined
}

/** The condition types set to Unknown with Ready (NetworkUnavailable is the network's business). */
const SILENCED: readonly string[] = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]

/** The Ready condition of a node, if any. */
export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready")
}

function heardFrom(ready: NodeCondition | undefined, saved: NodeCondition | undefined): boolean {
  if (!ready) return false
  if (!saved) return true
  return ready.lastHeartbeatTime !== saved.lastHeartbeatTime || ready.status !== saved.status
}

/** The health after observing `node` and its `lease` at `now`. */
export function observeHealth(
  saved: NodeHealth | undefined,
  node: Node,
  lease: Lease | undefined,
  now: number,
): NodeHealth {
  const ready = readyCondition(node)
  const renewTime = lease?.spec?.renewTime
  if (!saved) return { probeTimestamp: now, ready, renewTime }
  let probe = saved.probeTimestamp
  // A new heartbeat or status from the kubelet, or a renewed lease, counts as hearing from it.
  if (heardFrom(ready, saved.ready)) probe = now
  if (renewTime && (!saved.renewTime || Date.parse(renewTime) > Date.parse(saved.renewTime))) probe = now
  return { probeTimestamp: probe, ready, renewTime: renewTime ?? saved.renewTime }
}

/** When the node's grace period runs out (ms on the controller's clock). */
export function graceDeadline(health: NodeHealth): number {
  return health.probeTimestamp + (health.ready ? NODE_MONITOR_GRACE_MS : NODE_STARTUP_GRACE_MS)
}

/**
 * The conditions of a node whose kubelet went silent: Ready and the pressure conditions become
 * Unknown. Undefined when they already are.
 */
export function silencedConditions(node: Node, now: string): NodeCondition[] | undefined {
  const conditions = (node.status?.conditions ?? []).map((c) => ({ ...c }))
  let changed = false
  for (const type of SILENCED) {
    const cur = conditions.find((c) => c.type === type)
    if (!cur) {
      conditions.push({
        type,
        status: "Unknown",
        reason: "NodeStatusNeverUpdated",
        message: "Kubelet never posted node status.",
        ...(node.metadata?.creationTimestamp ? { lastHeartbeatTime: node.metadata.creationTimestamp } : {}),
        lastTransitionTime: now,
      })
      changed = true
    } else if (cur.status !== "Unknown") {
      Object.assign(cur, {
        status: "Unknown",
        reason: "NodeStatusUnknown",
        message: "Kubelet stopped posting node status.",
        lastTransitionTime: now,
      })
      changed = true
    }
  }
  return changed ? conditions : undefined
}

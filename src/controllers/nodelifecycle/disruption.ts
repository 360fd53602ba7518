/**
 * Zone disruption as the node-lifecycle controller weighs it before tainting a node NoExecute
 * (upstream's zone states): a zone with no ready node is in FullDisruption, one with more than
 * two and at least 55 % unready nodes in PartialDisruption. When every zone is fully disrupted
 * the controller assumes the control plane, not the nodes, is at fault and evicts nothing;
 * otherwise it taints at most one node per zone every 10 s (every 100 s in a partially
 * disrupted zone of more than 50 nodes, never in a smaller one).
 */
import type { Node } from "kubernetes-types/core/v1.js"

/** How a zone is doing. */
export type ZoneState = "Normal" | "PartialDisruption" | "FullDisruption"

/** --unhealthy-zone-threshold. */
export const UNHEALTHY_ZONE_THRESHOLD = 0.55
/** --large-cluster-size-threshold. */
export const LARGE_CLUSTER_THRESHOLD = 50
/** 1 / --node-eviction-rate (0.1 per second). */
export const TAINT_INTERVAL_MS = 10_000
/** 1 / --secondary-node-eviction-rate (0.01 per second). */
export const SECONDARY_TAINT_INTERVAL_MS = 100_000

const ZONE_LABEL = "topology.kubernetes.io/zone"
const REGION_LABEL = "topology.kubernetes.io/region"

/** The zone key of a node: region and zone labels (empty when unlabelled). */
export function zoneOf(node: Node): string {
  const l = node.metadata?.labels ?? {}
  return `${l[REGION_LABEL] ?? ""}:\u0000:${l[ZONE_LABEL] ?? ""}`
}

function isReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True"
}

/** The state of a zone from its nodes' readiness. */
export function zoneState(ready: number, notReady: number): ZoneState {
  if (ready === 0 && notReady > 0) return "FullDisruption"
  if (notReady > 2 && notReady / (notReady + ready) >= UNHEALTHY_ZONE_THRESHOLD) return "PartialDisruption"
  return "Normal"
}

/** Zone states and the per-zone pace of new NoExecute taints. */
export class Disruption {
  #states = new Map<string, { state: ZoneState; size: number }>()
  readonly #nextTaint = new Map<string, number>()

  /** Recomputes every zone's state from `nodes`. */
  update(nodes: readonly Node[]): void {
    const counts = new Map<string, { ready: number; notReady: number }>()
    for (const n of nodes) {
      const c = counts.get(zoneOf(n)) ?? { ready: 0, notReady: 0 }
      if (isReady(n)) c.ready++
      else c.notReady++
      counts.set(zoneOf(n), c)
    }
    this.#states = new Map(
      [...counts].map(([zone, c]) => [
        zone,
        { state: zoneState(c.ready, c.notReady), size: c.ready + c.notReady },
      ]),
    )
  }

  /** True when every zone is fully disrupted: evict nothing. */
  get allFullyDisrupted(): boolean {
    return this.#states.size > 0 && [...this.#states.values()].every((s) => s.state === "FullDisruption")
  }

  /**
   * Whether a new NoExecute taint may go on a node of `zone` at `now`: 0 when it may (and the
   * pace is charged), the ms to wait otherwise, or Infinity when the zone takes none.
   */
  takeTaint(zone: string, now: number): number {
    const s = this.#states.get(zone)
    let interval = TAINT_INTERVAL_MS
    if (s?.state === "PartialDisruption") {
      if (s.size <= LARGE_CLUSTER_THRESHOLD) return Infinity
      interval = SECONDARY_TAINT_INTERVAL_MS
    }
    const next = this.#nextTaint.get(zone) ?? 0
    if (now < next) return next - now
    this.#nextTaint.set(zone, now + interval)
    return 0
  }
}

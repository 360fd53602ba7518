/**
 * The taints the node-lifecycle controller keeps in step with a node's conditions: NoExecute
 * not-ready / unreachable (which evict pods), and the NoSchedule taints for each condition
 * and for spec.unschedulable (which keep new pods away).
 */
import type { Node, Taint } from "kubernetes-types/core/v1.js"

/** Node not ready (Ready False). */
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready"
/** Node unreachable (Ready Unknown). */
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"

/** condition type → status → NoSchedule taint key (upstream's nodeConditionToTaintKeyStatusMap). */
const NO_SCHEDULE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: "node.kubernetes.io/memory-pressure" },
  DiskPressure: { True: "node.kubernetes.io/disk-pressure" },
  NetworkUnavailable: { True: "node.kubernetes.io/network-unavailable" },
  PIDPressure: { True: "node.kubernetes.io/pid-pressure" },
}
const UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
const MANAGED_NO_SCHEDULE = new Set([
  ...Object.values(NO_SCHEDULE).flatMap((m) => Object.values(m)),
  UNSCHEDULABLE,
])
const MANAGED_NO_EXECUTE = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE])

function isManaged(t: Taint): boolean {
  return (
    (t.effect === "NoSchedule" && MANAGED_NO_SCHEDULE.has(t.key)) ||
    (t.effect === "NoExecute" && MANAGED_NO_EXECUTE.has(t.key))
  )
}

/**
 * What may happen to a node's NoExecute taints: `taint` sets the one its Ready condition calls
 * for; `hold` only swaps or removes one already there (no new taint yet); `clear` removes them.
 */
export type NoExecuteMode = "taint" | "hold" | "clear"

/** The NoExecute taint key the node's Ready condition calls for, if any. */
export function noExecuteKey(node: Node): string | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status
  return ready === "False" ? TAINT_NOT_READY : ready === "Unknown" ? TAINT_UNREACHABLE : undefined
}

/** True when the node carries a not-ready or unreachable NoExecute taint. */
export function hasNoExecuteTaint(node: Node): boolean {
  return (node.spec?.taints ?? []).some((t) => t.effect === "NoExecute" && MANAGED_NO_EXECUTE.has(t.key))
}

function wantedTaints(node: Node, now: string, mode: NoExecuteMode): Taint[] {
  const want: Taint[] = []
  for (const c of node.status?.conditions ?? []) {
    const key = NO_SCHEDULE[c.type]?.[c.status]
    if (key) want.push({ key, effect: "NoSchedule" })
  }
  if (node.spec?.unschedulable) want.push({ key: UNSCHEDULABLE, effect: "NoSchedule" })
  const noExecute = noExecuteKey(node)
  if (noExecute && (mode === "taint" || (mode === "hold" && hasNoExecuteTaint(node)))) {
    want.push({ key: noExecute, effect: "NoExecute", timeAdded: now })
  }
  return want
}

/** The taints `node` should carry (`now` stamps new NoExecute taints); undefined when unchanged. */
export function desiredTaints(node: Node, now: string, mode: NoExecuteMode = "taint"): Taint[] | undefined {
  const current = node.spec?.taints ?? []
  const want = wantedTaints(node, now, mode)
  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect
  const kept = current.filter((t) => !isManaged(t) || want.some((w) => same(w, t)))
  const added = want.filter((w) => !current.some((t) => same(w, t)))
  if (added.length === 0 && kept.length === current.length) return undefined
  return [...kept, ...added]
}

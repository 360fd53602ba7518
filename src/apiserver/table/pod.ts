/** The Pod printer: upstream's READY, STATUS (reason) and RESTARTS logic. */
import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.js"
import { isPodTerminal } from "../../api/index.ts"
import { DOCS } from "./descriptions.ts"
import { humanDuration, orNone, since, timestampMs } from "./format.ts"
import { AGE_COLUMN, NAME_COLUMN, column, wide, type Printer, type RowCondition } from "./types.ts"

/** Tallies of the containers while the status reason is worked out. */
interface Tally {
  reason: string
  ready: number
  restarts: number
  /** ms of the latest restart (last termination), 0 when none. */
  lastRestart: number
  initializing: boolean
}

function lastTermination(cs: ContainerStatus): number {
  return timestampMs(cs.lastState?.terminated?.finishedAt)
}

function initFailureReason(cs: ContainerStatus): string {
  const t = cs.state?.terminated
  if (!t) return ""
  if (t.reason) return `Init:${t.reason}`
  return t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`
}

/** The reason an init container holds the pod up, or undefined when it lets the pod go on. */
function initReason(
  cs: ContainerStatus,
  sidecar: boolean,
  index: number,
  total: number,
  t: Tally,
): string | undefined {
  const term = cs.state?.terminated
  if (term && term.exitCode === 0) return undefined
  if (sidecar && cs.started) {
    if (cs.ready) t.ready++
    return undefined
  }
  if (term) return initFailureReason(cs)
  const waiting = cs.state?.waiting?.reason
  if (waiting && waiting !== "PodInitializing") return `Init:${waiting}`
  return `Init:${index}/${total}`
}

/** Walks the init containers; returns restarts and last restart of the sidecars only. */
function tallyInit(pod: Pod, t: Tally): { restarts: number; lastRestart: number } {
  const init = pod.spec?.initContainers ?? []
  const sidecars = new Set(init.filter((c) => c.restartPolicy === "Always").map((c) => c.name))
  const side = { restarts: 0, lastRestart: 0 }
  const statuses = pod.status?.initContainerStatuses ?? []
  for (const [i, cs] of statuses.entries()) {
    const sidecar = sidecars.has(cs.name)
    t.restarts += cs.restartCount
    t.lastRestart = Math.max(t.lastRestart, lastTermination(cs))
    if (sidecar) {
      side.restarts += cs.restartCount
      side.lastRestart = Math.max(side.lastRestart, lastTermination(cs))
    }
    const reason = initReason(cs, sidecar, i, init.length, t)
    if (reason === undefined) continue
    t.reason = reason
    t.initializing = true
    break
  }
  return side
}

function containerReason(cs: ContainerStatus): string | undefined {
  const s = cs.state
  if (s?.waiting?.reason) return s.waiting.reason
  if (s?.terminated?.reason) return s.terminated.reason
  if (s?.terminated)
    return s.terminated.signal ? `Signal:${s.terminated.signal}` : `ExitCode:${s.terminated.exitCode}`
  return undefined
}

function hasCondition(pod: Pod, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === "True")
}

function isInitialized(pod: Pod): boolean {
  const c = (pod.status?.conditions ?? []).find((c) => c.type === "Initialized")
  return c?.status === "True"
}

/** Walks the app containers from last to first, as upstream does. */
function tallyContainers(pod: Pod, t: Tally): void {
  let hasRunning = false
  const statuses = pod.status?.containerStatuses ?? []
  for (let i = statuses.length - 1; i >= 0; i--) {
    const cs = statuses[i] as ContainerStatus
    t.restarts += cs.restartCount
    t.lastRestart = Math.max(t.lastRestart, lastTermination(cs))
    const reason = containerReason(cs)
    if (reason !== undefined) t.reason = reason
    else if (cs.ready && cs.state?.running) {
      hasRunning = true
      t.ready++
    }
  }
  // A container still running turns a Completed pod back to Running (or NotReady)
  if (t.reason === "Completed" && hasRunning) t.reason = hasCondition(pod, "Ready") ? "Running" : "NotReady"
}

function baseReason(pod: Pod): string {
  const gated = (pod.status?.conditions ?? []).some(
    (c) => c.type === "PodScheduled" && c.reason === "SchedulingGated",
  )
  if (gated) return "SchedulingGated"
  return pod.status?.reason || pod.status?.phase || ""
}

function deletionReason(pod: Pod, reason: string): string {
  if (!pod.metadata?.deletionTimestamp) return reason
  if (pod.status?.reason === "NodeLost") return "Unknown"
  return isPodTerminal(pod) ? reason : "Terminating"
}

/** READY, STATUS and RESTARTS of a pod, with the time of its last restart. */
export function podStatus(pod: Pod): {
  ready: number
  total: number
  reason: string
  restarts: number
  lastRestart: number
} {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").length
  const t: Tally = { reason: baseReason(pod), ready: 0, restarts: 0, lastRestart: 0, initializing: false }
  const side = tallyInit(pod, t)
  if (!t.initializing || isInitialized(pod)) {
    t.restarts = side.restarts
    t.lastRestart = side.lastRestart
    tallyContainers(pod, t)
  }
  return {
    ready: t.ready,
    total: (pod.spec?.containers ?? []).length + sidecars,
    reason: deletionReason(pod, t.reason),
    restarts: t.restarts,
    lastRestart: t.lastRestart,
  }
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? []
  if (gates.length === 0) return "<none>"
  const conds = pod.status?.conditions ?? []
  const ok = gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === "True").length
  return `${ok}/${gates.length}`
}

const SUCCEEDED: RowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
]
const FAILED: RowCondition[] = [
  { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
]

/** Pods: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES. */
export const podPrinter: Printer<Pod> = {
  columns: [
    NAME_COLUMN,
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column(
      "Restarts",
      "string",
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE_COLUMN,
    wide("IP", DOCS.podIP),
    wide("Node", DOCS.nodeName),
    wide("Nominated Node", DOCS.nominatedNodeName),
    wide("Readiness Gates", DOCS.readinessGates),
  ],
  cells(pod, { now }) {
    const s = podStatus(pod)
    const restarts =
      s.restarts !== 0 && s.lastRestart !== 0
        ? `${s.restarts} (${humanDuration(now - s.lastRestart)} ago)`
        : String(s.restarts)
    return [
      pod.metadata?.name ?? "",
      `${s.ready}/${s.total}`,
      s.reason,
      restarts,
      since(pod.metadata?.creationTimestamp, now),
      // podIP alone counts as podIPs[0], as upstream converts it
      orNone(pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP),
      orNone(pod.spec?.nodeName),
      orNone(pod.status?.nominatedNodeName),
      readinessGates(pod),
    ]
  },
  conditions(pod) {
    const phase = pod.status?.phase
    return phase === "Succeeded" ? SUCCEEDED : phase === "Failed" ? FAILED : undefined
  },
}

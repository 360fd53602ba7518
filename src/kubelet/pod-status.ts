/**
 * The status the kubelet reports for a pod, as upstream computes it: per-container states
 * (waiting, running, terminated, with lastState and restart counts), the phase from those
 * states and the restart policy, the pod's conditions, addresses, start time and QoS class.
 */
import type {
  Container,
  ContainerState,
  ContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from "kubernetes-types/core/v1.js"
import { isPodPhaseTerminal, qosClass } from "../api/index.ts"
import type { ContainerRecord, PodRecord } from "./pod-state.ts"
import type { ContainerInfo } from "./runtime/runtime.ts"

function time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z")
}

function terminated(c: ContainerInfo, r?: ContainerRecord): ContainerState {
  const message = r?.termination?.get(c.id)?.message
  return {
    terminated: {
      exitCode: c.exitCode ?? 0,
      reason: c.reason ?? (c.exitCode === 0 ? "Completed" : "Error"),
      ...(message ? { message } : {}),
      startedAt: time(c.startedAt),
      finishedAt: time(c.finishedAt ?? c.startedAt),
      containerID: `process://${c.id}`,
    },
  }
}

/** Whether an exited container will start again under `policy`. */
export function willRestart(policy: string, c: ContainerInfo, init: boolean): boolean {
  if (init) return policy !== "Never" && c.exitCode !== 0
  return policy === "Always" || (policy === "OnFailure" && c.exitCode !== 0)
}

function stateOf(
  spec: Container,
  r: ContainerRecord | undefined,
  policy: string,
  init: boolean,
  podHasInit: boolean,
): ContainerState {
  const cur = r?.current
  if (r?.waiting)
    return {
      waiting: { reason: r.waiting.reason, ...(r.waiting.message ? { message: r.waiting.message } : {}) },
    }
  // Not started yet: upstream's default waiting reason, PodInitializing for every container of a
  // pod with init containers.
  if (!cur) return { waiting: { reason: podHasInit ? "PodInitializing" : "ContainerCreating" } }
  if (cur.state === "running") return { running: { startedAt: time(cur.startedAt) } }
  const restarting = willRestart(spec.restartPolicy === "Always" ? "Always" : policy, cur, init)
  if (restarting) return { waiting: { reason: "CrashLoopBackOff" } }
  return terminated(cur, r)
}

/**
 * A container's status from its record: state, lastState, restarts, ids and readiness.
 * `podHasInit`: the pod has init containers (default: `init`).
 */
export function containerStatus(
  spec: Container,
  r: ContainerRecord | undefined,
  policy: string,
  init: boolean,
  podHasInit = init,
): ContainerStatus {
  const state = stateOf(spec, r, policy, init, podHasInit)
  const cur = r?.current
  const running = cur?.state === "running"
  // A container waiting to restart reports its last run as lastState.
  const last = state.waiting && cur?.state === "exited" ? cur : r?.previous
  return {
    name: spec.name,
    image: spec.image ?? "",
    // A container never started has no image resolved yet: upstream's default status leaves it empty.
    imageID: cur ? `process://${spec.image ?? ""}` : "",
    ...(cur ? { containerID: `process://${cur.id}` } : {}),
    ready: running && !!r?.ready,
    started: running && !!r?.started,
    restartCount: r?.restartCount ?? 0,
    state,
    lastState: last && last.state === "exited" ? terminated(last, r) : {},
  }
}

/** Counts app containers as upstream's getPhase does. */
function appPhase(statuses: ContainerStatus[], policy: string): PodStatus["phase"] {
  let running = 0
  let waiting = 0
  let stopped = 0
  let succeeded = 0
  for (const s of statuses) {
    if (s.state?.running) running++
    else if (s.state?.terminated) {
      stopped++
      if (s.state.terminated.exitCode === 0) succeeded++
    } else if (s.lastState?.terminated) stopped++
    else waiting++
  }
  if (waiting > 0) return "Pending"
  if (running > 0) return "Running"
  if (stopped > 0) {
    if (policy === "Always") return "Running"
    if (stopped === succeeded) return "Succeeded"
    if (policy === "OnFailure") return "Running"
    return "Failed"
  }
  return "Pending"
}

function condition(
  type: string,
  ok: boolean,
  at: string,
  old: PodCondition[] | undefined,
  why?: { readonly reason: string; readonly message?: string },
): PodCondition {
  const prev = old?.find((c) => c.type === type)
  const status = ok ? "True" : "False"
  return {
    type,
    status,
    lastProbeTime: null as unknown as string,
    lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : at,
    ...(!ok && why ? { reason: why.reason, ...(why.message ? { message: why.message } : {}) } : {}),
  }
}

/** A list of names as Go's %s prints a []string (upstream's condition messages). */
function goList(names: readonly string[]): string {
  return `[${names.join(" ")}]`
}

/** Options of podStatus. */
export interface StatusInput {
  readonly pod: Pod
  readonly record: PodRecord
  readonly hostIP: string
  readonly now: number
  /**
   * The status this one follows: the one last handed to the status writer, else the pod's own
   * (upstream's status manager cache, else the API's). Conditions keep their transition times
   * from it while unchanged, and the start time stays.
   */
  readonly old?: PodStatus
}

/** The init containers not done yet: not exited 0 (sidecars: not running). */
function incompleteInits(pod: Pod, record: PodRecord): string[] {
  return (pod.spec?.initContainers ?? [])
    .filter((c) => {
      const cur = record.initContainers.get(c.name)?.current
      if (c.restartPolicy === "Always") return cur?.state !== "running"
      return !(cur?.state === "exited" && cur.exitCode === 0)
    })
    .map((c) => c.name)
}

function initDone(pod: Pod, record: PodRecord): boolean {
  return incompleteInits(pod, record).length === 0
}

function phaseOf(
  pod: Pod,
  record: PodRecord,
  inits: ContainerStatus[],
  apps: ContainerStatus[],
): PodStatus["phase"] {
  const policy = pod.spec?.restartPolicy ?? "Always"
  if (record.terminal) return record.terminal
  if (initDone(pod, record)) return appPhase(apps, policy)
  const initFailed = inits.some((s) => s.state?.terminated && s.state.terminated.exitCode !== 0)
  return initFailed && policy === "Never" ? "Failed" : "Pending"
}

function conditionsOf(
  pod: Pod,
  record: PodRecord,
  apps: ContainerStatus[],
  phase: PodStatus["phase"],
  at: string,
  old: PodCondition[] | undefined,
): PodCondition[] {
  const terminal = isPodPhaseTerminal(phase)
  const unready = apps.filter((s) => !s.ready).map((s) => s.name)
  const containersReady = !terminal && unready.length === 0
  // Upstream's reasons and messages: a terminal pod's containers are not ready because it ended.
  const notReady = terminal
    ? { reason: phase === "Failed" ? "PodFailed" : "PodCompleted" }
    : { reason: "ContainersNotReady", message: `containers with unready status: ${goList(unready)}` }
  const incomplete = incompleteInits(pod, record)
  const notInitialized = {
    reason: "ContainersNotInitialized",
    message: `containers with incomplete status: ${goList(incomplete)}`,
  }
  return [
    condition("PodReadyToStartContainers", !!record.sandbox && !terminal, at, old),
    condition("Initialized", incomplete.length === 0, at, old, notInitialized),
    condition("Ready", containersReady, at, old, notReady),
    condition("ContainersReady", containersReady, at, old, notReady),
    old?.find((c) => c.type === "PodScheduled") ?? condition("PodScheduled", true, at, old),
  ]
}

/** The pod's status as this kubelet sees it. */
export function podStatus({ pod, record, hostIP, now, old = pod.status }: StatusInput): PodStatus {
  const at = time(now)
  const policy = pod.spec?.restartPolicy ?? "Always"
  const inits = (pod.spec?.initContainers ?? []).map((c) =>
    containerStatus(c, record.initContainers.get(c.name), policy, true),
  )
  const apps = (pod.spec?.containers ?? []).map((c) =>
    containerStatus(c, record.containers.get(c.name), policy, false, inits.length > 0),
  )
  const phase = phaseOf(pod, record, inits, apps)
  const podIP = record.sandbox?.ip
  return {
    phase,
    conditions: conditionsOf(pod, record, apps, phase, at, old?.conditions),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old?.startTime ?? pod.status?.startTime ?? time(record.since),
    qosClass: qosClass(pod),
    containerStatuses: apps,
    ...(inits.length ? { initContainerStatuses: inits } : {}),
    ...(record.failure ? record.failure : {}),
  }
}

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
import {
  isPodPhaseTerminal,
  observedGenerationOf,
  podQos,
  type TrackedPodCondition,
  type TrackedPodStatus,
} from "../api/index.ts"
import type { ContainerRecord, PodRecord } from "./pod-state.ts"
import { unmetReadinessGates } from "./readiness-gates.ts"
import { resizeConditions } from "./resize/conditions.ts"
import { statusResources } from "./resize/status-resources.ts"
import { finalContainers, finalPhase } from "./terminal-status.ts"
import type { ContainerInfo } from "./runtime/runtime.ts"
import { rfc3339 } from "../util/index.ts"

function terminated(c: ContainerInfo, r?: ContainerRecord): ContainerState {
  // The runtime's message (a StartError's), then the container's own, as upstream joins them.
  const message = [c.message, r?.termination?.get(c.id)?.message].filter(Boolean).join(": ")
  return {
    terminated: {
      exitCode: c.exitCode ?? 0,
      reason: c.reason ?? (c.exitCode === 0 ? "Completed" : "Error"),
      ...(message ? { message } : {}),
      startedAt: rfc3339(c.startedAt),
      finishedAt: rfc3339(c.finishedAt ?? c.startedAt),
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
  deleting: boolean,
): ContainerState {
  const cur = r?.current
  // A deleted pod's containers start no more (upstream's ShouldContainerBeRestarted): they are
  // as the runtime has them, without the reason a start was held back.
  if (r?.waiting && !deleting)
    return {
      waiting: { reason: r.waiting.reason, ...(r.waiting.message ? { message: r.waiting.message } : {}) },
    }
  // Not started yet: upstream's default waiting reason, PodInitializing for every container of a
  // pod with init containers.
  if (!cur) return { waiting: { reason: podHasInit ? "PodInitializing" : "ContainerCreating" } }
  if (cur.state === "running") return { running: { startedAt: rfc3339(cur.startedAt) } }
  const restarting = !deleting && willRestart(spec.restartPolicy === "Always" ? "Always" : policy, cur, init)
  if (restarting) return { waiting: { reason: "CrashLoopBackOff" } }
  return terminated(cur, r)
}

/** A container's name, image and ids (a container never started has no image resolved yet: the spec's is shown). */
function identity(
  spec: Container,
  cur: ContainerInfo | undefined,
): Pick<ContainerStatus, "name" | "image" | "imageID" | "containerID"> {
  if (!cur) return { name: spec.name, image: spec.image ?? "", imageID: "" }
  // The image the container runs, which a changed spec names only once it restarts.
  const image = cur.image
  return { name: spec.name, image, imageID: `process://${image}`, containerID: `process://${cur.id}` }
}

/**
 * A container's status from its record: state, lastState, restarts, ids and readiness.
 * `podHasInit`: the pod has init containers (default: `init`); `deleting`: the pod is being deleted.
 */
export function containerStatus(
  spec: Container,
  r: ContainerRecord | undefined,
  policy: string,
  init: boolean,
  podHasInit = init,
  deleting = false,
): ContainerStatus {
  const state = stateOf(spec, r, policy, init, podHasInit, deleting)
  const cur = r?.current
  const running = cur?.state === "running"
  // A container waiting to restart reports its last run as lastState.
  const last = state.waiting && cur?.state === "exited" ? cur : r?.previous
  return {
    ...identity(spec, cur),
    ready: running && !!r?.ready,
    started: running && !!r?.started,
    restartCount: r?.restartCount ?? 0,
    state,
    lastState: last && last.state === "exited" ? terminated(last, r) : {},
    // A container the runtime has (started, or exited) reports its resources (InPlacePodVerticalScaling, GA).
    ...(cur ? statusResources(spec, cur) : {}),
  }
}

/**
 * Counts app containers as upstream's getPhase does; once the pod is terminal (`podIsTerminal`:
 * deleted, its containers stopped) stopped containers end it whatever the restart policy.
 */
function appPhase(statuses: ContainerStatus[], policy: string, podIsTerminal: boolean): PodStatus["phase"] {
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
    if (podIsTerminal) return stopped === succeeded ? "Succeeded" : "Failed"
    if (policy === "Always") return "Running"
    if (stopped === succeeded) return "Succeeded"
    if (policy === "OnFailure") return "Running"
    return "Failed"
  }
  return "Pending"
}

/** When, for which generation and why a condition the kubelet owns holds. */
interface ConditionBasis {
  readonly at: string
  readonly old: PodCondition[] | undefined
  /** `{ observedGeneration }` of the pod synced (KEP-5067). */
  readonly generation: { readonly observedGeneration?: number }
}

function condition(
  type: string,
  ok: boolean,
  { at, old, generation }: ConditionBasis,
  why?: { readonly reason: string; readonly message?: string },
): TrackedPodCondition {
  const prev = old?.find((c) => c.type === type)
  const status = ok ? "True" : "False"
  return {
    type,
    ...generation,
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
  /**
   * The pod is deleted and its containers were stopped (upstream's podIsTerminal): its final
   * status, whose phase is Succeeded or Failed.
   */
  readonly terminal?: boolean
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
  statuses: { readonly inits: ContainerStatus[]; readonly apps: ContainerStatus[] },
  podIsTerminal: boolean,
): PodStatus["phase"] {
  const { inits, apps } = statuses
  const policy = pod.spec?.restartPolicy ?? "Always"
  if (record.terminal) return record.terminal
  if (initDone(pod, record)) return appPhase(apps, policy, podIsTerminal)
  const initFailed = inits.some((s) => s.state?.terminated && s.state.terminated.exitCode !== 0)
  return initFailed && policy === "Never" ? "Failed" : "Pending"
}

/** The condition types the kubelet owns (upstream's PodConditionByKubelet). */
const KUBELET_CONDITIONS = new Set([
  "PodScheduled",
  "Ready",
  "Initialized",
  "ContainersReady",
  "PodReadyToStartContainers",
  "PodResizeInProgress",
  "PodResizePending",
])

/** True for a condition type the kubelet owns (writes itself, dropping what others wrote). */
export function isOwnedByKubelet(type: string): boolean {
  return KUBELET_CONDITIONS.has(type)
}

/** True for a condition type the kubelet owns or shares (DisruptionTarget). */
export function isKubeletCondition(type: string): boolean {
  return isOwnedByKubelet(type) || type === "DisruptionTarget"
}

/**
 * The conditions others own, as the API has them (upstream's generateAPIPodStatus and status
 * manager keep them): the pod's own, then the kubelet's resize conditions (`resize`), then a
 * DisruptionTarget the status this one follows has and the API's copy lacks yet.
 */
function othersConditions(
  pod: Pod,
  old: PodCondition[] | undefined,
  resize: readonly PodCondition[],
): PodCondition[] {
  const kept = [...(pod.status?.conditions ?? []).filter((c) => !isOwnedByKubelet(c.type)), ...resize]
  const disruption = old?.find((c) => c.type === "DisruptionTarget")
  if (!disruption) return kept
  const i = kept.findIndex((c) => c.type === "DisruptionTarget")
  if (i < 0) return [...kept, disruption]
  return kept.map((c, j) => (j === i ? disruption : c))
}

function conditionsOf(
  pod: Pod,
  record: PodRecord,
  apps: ContainerStatus[],
  phase: PodStatus["phase"],
  basis: ConditionBasis,
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
  // A pod that ended has no resize to report (upstream's determinePodResizeStatus).
  const resize = terminal ? [] : resizeConditions(record.resize)
  const before = [
    ...othersConditions(pod, basis.old, resize),
    condition("PodReadyToStartContainers", !!record.sandbox && !terminal, basis),
    // A Succeeded pod is initialized "PodCompleted", as upstream's GeneratePodInitializedCondition says.
    phase === "Succeeded"
      ? { ...condition("Initialized", true, basis), reason: "PodCompleted" }
      : condition("Initialized", incomplete.length === 0, basis, notInitialized),
  ]
  // Ready once the containers are, and then only once the readiness gates hold, judged on the
  // conditions made before it (upstream's GeneratePodReadyCondition); ContainersReady ignores them.
  const gates = containersReady ? unmetReadinessGates(pod, before) : undefined
  return [
    ...before,
    condition("Ready", containersReady && !gates, basis, gates ?? notReady),
    condition("ContainersReady", containersReady, basis, notReady),
    condition("PodScheduled", true, basis),
  ]
}

/** The statuses of the pod's init and app containers (ended, for its final status). */
function containerStatuses(
  pod: Pod,
  record: PodRecord,
  terminal: boolean,
): { apps: ContainerStatus[]; inits: ContainerStatus[] } {
  const policy = pod.spec?.restartPolicy ?? "Always"
  const deleting = !!pod.metadata?.deletionTimestamp
  const hasInit = (pod.spec?.initContainers?.length ?? 0) > 0
  const statuses = {
    inits: (pod.spec?.initContainers ?? []).map((c) =>
      containerStatus(c, record.initContainers.get(c.name), policy, true, true, deleting),
    ),
    apps: (pod.spec?.containers ?? []).map((c) =>
      containerStatus(c, record.containers.get(c.name), policy, false, hasInit, deleting),
    ),
  }
  return terminal ? finalContainers(pod, statuses) : statuses
}

/** The pod's status as this kubelet sees it. */
export function podStatus(input: StatusInput): TrackedPodStatus {
  const { pod, record, hostIP, now, old = pod.status, terminal = false } = input
  const at = rfc3339(now)
  const generation = observedGenerationOf(pod)
  const statuses = containerStatuses(pod, record, terminal)
  const { inits, apps } = statuses
  const computed = phaseOf(pod, record, statuses, terminal)
  const phase = terminal ? finalPhase(computed) : computed
  // A hostNetwork pod's IPs are the node's, from its first status on (upstream's generateAPIPodStatus).
  const podIP = pod.spec?.hostNetwork ? hostIP : record.sandbox?.ip
  return {
    // The generation of the pod this sync acted on (KEP-5067).
    ...generation,
    phase,
    conditions: conditionsOf(pod, record, apps, phase, { at, old: old?.conditions, generation }),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old?.startTime ?? pod.status?.startTime ?? rfc3339(record.since),
    qosClass: podQos(pod),
    containerStatuses: apps,
    ...(inits.length ? { initContainerStatuses: inits } : {}),
    ...(record.failure ? record.failure : {}),
  }
}

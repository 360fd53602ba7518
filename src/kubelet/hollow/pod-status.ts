/**
 * The statuses a hollow kubelet posts for a pod it "runs": every container started and ready at
 * once, conditions as a real kubelet sets them, the pod's IP from the node's range, the pod's
 * generation observed (KEP-5067); and, once the pod is deleted, the final status a kubelet posts
 * after stopping its containers (each simulated container stops cleanly on SIGTERM: exit 0).
 */
import type { ContainerStatus, Pod, PodCondition } from "kubernetes-types/core/v1.js"
import {
  isPodTerminal,
  observedGenerationOf,
  type TrackedPodCondition,
  type TrackedPodStatus,
} from "../../api/index.ts"
import { isOwnedByKubelet } from "../pod-status.ts"
import { unmetReadinessGates } from "../readiness-gates.ts"
import { rfc3339 } from "../../util/index.ts"

function containerStatus(
  c: { name: string; image?: string },
  pod: Pod,
  startedAt: string,
  init: boolean,
): ContainerStatus {
  const id = `hollow://${pod.metadata?.uid ?? ""}/${c.name}`
  const image = c.image ?? ""
  const restartCount = pod.status?.containerStatuses?.find((s) => s.name === c.name)?.restartCount ?? 0
  const base = { name: c.name, image, imageID: `hollow://${image}`, containerID: id, restartCount }
  if (init) {
    return {
      ...base,
      restartCount: 0,
      ready: true,
      started: false,
      state: {
        terminated: { exitCode: 0, reason: "Completed", startedAt, finishedAt: startedAt, containerID: id },
      },
    }
  }
  return { ...base, ready: true, started: true, state: { running: { startedAt } } }
}

/** A kubelet condition's status, reason and message (none: True, without a reason). */
interface Holds {
  readonly status: "True" | "False"
  readonly reason?: string
  readonly message?: string
}

const KUBELET_TYPES = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]

/** Ready, its containers being ready: True once the readiness gates hold on `before`. */
function gatedReady(pod: Pod, before: readonly PodCondition[]): Holds {
  const unmet = unmetReadinessGates(pod, before)
  return unmet ? { status: "False", ...unmet } : { status: "True" }
}

/**
 * The kubelet's conditions of `pod` (True unless `holds` says otherwise; Ready then only once the
 * readiness gates hold on the conditions before it) after the conditions others own; a condition
 * whose status did not change keeps its transition time.
 */
function conditions(pod: Pod, at: string, holds: Readonly<Record<string, Holds>> = {}): PodCondition[] {
  const old = pod.status?.conditions ?? []
  const out = old.filter((c) => !isOwnedByKubelet(c.type))
  for (const type of KUBELET_TYPES) {
    const { status, reason, message } =
      holds[type] ?? (type === "Ready" ? gatedReady(pod, out) : { status: "True" })
    const prev = old.find((c) => c.type === type)
    const c: TrackedPodCondition = {
      type,
      ...observedGenerationOf(pod),
      status,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : at,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    }
    out.push(c)
  }
  return out
}

/** The status of `pod` once running on a node at `hostIP`, with `podIP`. */
export function runningStatus(pod: Pod, hostIP: string, podIP: string, now: number): TrackedPodStatus {
  const at = rfc3339(now)
  const startTime = pod.status?.startTime ?? at
  const containers = pod.spec?.containers ?? []
  const inits = pod.spec?.initContainers ?? []
  return {
    ...pod.status,
    ...observedGenerationOf(pod),
    phase: "Running",
    conditions: conditions(pod, at),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime,
    containerStatuses: containers.map((c) => containerStatus(c, pod, startTime, false)),
    ...(inits.length
      ? { initContainerStatuses: inits.map((c) => containerStatus(c, pod, startTime, true)) }
      : {}),
  }
}

/**
 * The final status of a deleted pod whose containers were running (the hollow kubelet stops them
 * at once): every running container terminated with exit code 0, none ready, and the pod
 * Succeeded, as a kubelet reports a pod all of whose containers stopped in success (upstream's
 * getPhase for a terminal pod), or Failed when none ran. Undefined when the pod already ended.
 */
export function stoppedStatus(pod: Pod, now: number): TrackedPodStatus | undefined {
  if (isPodTerminal(pod)) return undefined
  const at = rfc3339(now)
  const stop = (s: ContainerStatus): ContainerStatus => {
    const running = s.state?.running
    if (!running) return { ...s, ready: false, started: false }
    const { containerID } = s
    const terminated = {
      exitCode: 0,
      reason: "Completed",
      startedAt: running.startedAt ?? at,
      finishedAt: at,
      ...(containerID ? { containerID } : {}),
    }
    return { ...s, ready: false, started: false, state: { terminated } }
  }
  // A pod whose containers never ran ends Failed (upstream's TerminatePod), one whose all
  // stopped in success Succeeded; either is initialized and not ready, its sandbox gone.
  const succeeded = pod.status?.phase === "Running"
  const reason = succeeded ? "PodCompleted" : "PodFailed"
  return {
    ...pod.status,
    ...observedGenerationOf(pod),
    phase: succeeded ? "Succeeded" : "Failed",
    conditions: conditions(pod, at, {
      PodReadyToStartContainers: { status: "False" },
      Initialized: { status: "True", ...(succeeded ? { reason } : {}) },
      Ready: { status: "False", reason },
      ContainersReady: { status: "False", reason },
    }),
    ...(pod.status?.containerStatuses ? { containerStatuses: pod.status.containerStatuses.map(stop) } : {}),
    ...(pod.status?.initContainerStatuses
      ? { initContainerStatuses: pod.status.initContainerStatuses.map(stop) }
      : {}),
  }
}

/** True when the posted status already says what runningStatus would (no write needed). */
export function isRunning(pod: Pod): boolean {
  const s = pod.status as TrackedPodStatus | undefined
  return (
    s?.phase === "Running" &&
    !!s.podIP &&
    (s.containerStatuses?.length ?? 0) === (pod.spec?.containers.length ?? 0) &&
    // A spec change (a new generation) is observed, as the kubelet's next sync does.
    s.observedGeneration === observedGenerationOf(pod).observedGeneration
  )
}

/**
 * True when the posted Ready condition is the one runningStatus would make now: false once
 * another client changed a readiness gate's condition since (the kubelet then writes Ready again).
 */
export function isReadyAsGated(pod: Pod): boolean {
  const want = conditions(pod, "").find((c) => c.type === "Ready")
  const have = pod.status?.conditions?.find((c) => c.type === "Ready")
  return have?.status === want?.status && have?.reason === want?.reason && have?.message === want?.message
}

/**
 * The end of a deleted pod's status, as upstream's status manager makes it (TerminatePod, and
 * mergePodStatus for a terminal phase): once the pod is initialized, a container with no
 * terminated state is reported terminated as ContainerStatusUnknown (exit code 137), as are the
 * init containers that started; a phase that is not Succeeded or Failed becomes Failed; and a
 * terminal pod is not Ready. The kubelet writes this before it lets the API server remove the pod.
 */
import type { ContainerStatus, Pod, PodCondition, PodStatus } from "kubernetes-types/core/v1.js"
import { isPodPhaseTerminal, observedGenerationOf, type TrackedPodStatus } from "../api/index.ts"
import { rfc3339 } from "../util/index.ts"

/** How upstream reports a container it could not find once the pod was terminated. */
const UNKNOWN: ContainerStatus["state"] = {
  terminated: {
    exitCode: 137,
    reason: "ContainerStatusUnknown",
    message: "The container could not be located when the pod was terminated",
  },
}

function started(s: ContainerStatus): boolean {
  return !s.state?.waiting || !!s.lastState?.terminated
}

/**
 * Whether the pod has ever started a regular container, as its status in the API tells
 * (upstream's hasPodInitialized): without init containers always; else once an app container
 * left waiting, or the last init container completed (a sidecar: runs and started).
 */
export function hasPodInitialized(pod: Pod): boolean {
  const init = pod.spec?.initContainers ?? []
  if (init.length === 0) return true
  if ((pod.status?.containerStatuses ?? []).some(started)) return true
  const statuses = pod.status?.initContainerStatuses ?? []
  const last = statuses[statuses.length - 1]
  if (!last) return false
  if (init[statuses.length - 1]?.restartPolicy === "Always") return !!last.state?.running && !!last.started
  const ok = (t: { exitCode: number } | undefined) => t?.exitCode === 0
  return ok(last.lastState?.terminated) || ok(last.state?.terminated)
}

function unknownUnlessTerminated(s: ContainerStatus): ContainerStatus {
  return s.state?.terminated ? s : { ...s, state: UNKNOWN }
}

/** The container statuses of the pod's final status. */
export function finalContainers(
  pod: Pod,
  statuses: { readonly apps: ContainerStatus[]; readonly inits: ContainerStatus[] },
): { apps: ContainerStatus[]; inits: ContainerStatus[] } {
  const apps = hasPodInitialized(pod) ? statuses.apps.map(unknownUnlessTerminated) : statuses.apps
  // The init containers up to the last that started (at least the first) are marked.
  let through = 0
  statuses.inits.forEach((s, i) => {
    if (started(s)) through = i
  })
  const inits = statuses.inits.map((s, i) => (i <= through ? unknownUnlessTerminated(s) : s))
  return { apps, inits }
}

/** The phase of the pod's final status: Succeeded and Failed stay, any other is Failed. */
export function finalPhase(phase: PodStatus["phase"]): "Succeeded" | "Failed" {
  return phase === "Succeeded" ? "Succeeded" : "Failed"
}

/**
 * The final status of a deleted pod this kubelet runs nothing of (its containers are gone, as
 * after a restart): the status the API has, ended as above, with the pod's generation.
 * Undefined when that status ended already.
 */
export function terminatedStatus(pod: Pod, now: number): TrackedPodStatus | undefined {
  const status = (pod.status ?? {}) as TrackedPodStatus
  const generation = observedGenerationOf(pod)
  if (isPodPhaseTerminal(status.phase) && status.observedGeneration === generation.observedGeneration)
    return undefined
  const { apps, inits } = finalContainers(pod, {
    apps: status.containerStatuses ?? [],
    inits: status.initContainerStatuses ?? [],
  })
  const phase = finalPhase(status.phase)
  const at = rfc3339(now)
  const reason = phase === "Failed" ? "PodFailed" : "PodCompleted"
  const notReady = (c: PodCondition): PodCondition =>
    (c.type === "Ready" || c.type === "ContainersReady") && c.status === "True"
      ? { ...c, ...generation, status: "False", reason, lastTransitionTime: at }
      : c
  return {
    ...status,
    ...generation,
    phase,
    ...(status.conditions ? { conditions: status.conditions.map(notReady) } : {}),
    ...(status.containerStatuses ? { containerStatuses: apps } : {}),
    ...(status.initContainerStatuses ? { initContainerStatuses: inits } : {}),
  }
}

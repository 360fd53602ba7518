/**
 * The status a hollow kubelet posts for a pod it "runs": every container started and ready at
 * once, conditions as a real kubelet sets them, the pod's IP from the node's range.
 */
import type { ContainerStatus, Pod, PodCondition, PodStatus } from "kubernetes-types/core/v1.js"

function time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z")
}

function containerStatus(
  c: { name: string; image?: string },
  pod: Pod,
  startedAt: string,
  init: boolean,
): ContainerStatus {
  const id = `hollow://${pod.metadata?.uid ?? ""}/${c.name}`
  const image = c.image ?? ""
  const base = { name: c.name, image, imageID: `hollow://${image}`, containerID: id, restartCount: 0 }
  if (init) {
    return {
      ...base,
      ready: true,
      started: false,
      state: {
        terminated: { exitCode: 0, reason: "Completed", startedAt, finishedAt: startedAt, containerID: id },
      },
    }
  }
  return { ...base, ready: true, started: true, state: { running: { startedAt } } }
}

/** The conditions of a running pod whose containers are all ready. */
function runningConditions(at: string): PodCondition[] {
  return ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map(
    (type) => ({
      type,
      status: "True",
      lastProbeTime: null as unknown as string,
      lastTransitionTime: at,
    }),
  )
}

/** The status of `pod` once running on a node at `hostIP`, with `podIP`. */
export function runningStatus(pod: Pod, hostIP: string, podIP: string, now: number): PodStatus {
  const at = time(now)
  const startTime = pod.status?.startTime ?? at
  const containers = pod.spec?.containers ?? []
  const inits = pod.spec?.initContainers ?? []
  return {
    ...pod.status,
    phase: "Running",
    conditions: runningConditions(at),
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

/** True when the posted status already says what runningStatus would (no write needed). */
export function isRunning(pod: Pod): boolean {
  const s = pod.status
  return (
    s?.phase === "Running" &&
    !!s.podIP &&
    (s.containerStatuses?.length ?? 0) === (pod.spec?.containers.length ?? 0)
  )
}

/**
 * Ephemeral containers (kubectl debug): the kubelet starts each one added to a running pod once,
 * before the init containers (so a stuck init container can be debugged), never restarts it,
 * and reports it in status.ephemeralContainerStatuses (waiting, running, then terminated; never
 * ready, no restarts), as upstream's kubelet does. A targetContainerName asks the runtime to run
 * it in the target container's PID namespace: the process runtime's sandbox mode does (each
 * container has a PID namespace of its own there); in its loopback mode every container is a
 * process of the node's one PID namespace, so the debugger already sees the target's processes
 * (and every other process of the node) and the target changes nothing.
 */
import type { Container, EphemeralContainer, Pod, PodStatus } from "kubernetes-types/core/v1.js"
import { type ContainerRecord, type PodRecord, recordOf } from "./pod-state.ts"
import { containerStatus } from "./pod-status.ts"
import type { ContainerConfig } from "./runtime/runtime.ts"

/** Starts a container of the pod into its record, with more runtime config (the pod sync's start). */
export type StartContainer = (
  c: Container,
  r: ContainerRecord,
  extra: Partial<ContainerConfig>,
) => Promise<void>

/** The running container whose PID namespace `ec` joins, when it names one. */
function pidTarget(ec: EphemeralContainer, record: PodRecord): Partial<ContainerConfig> {
  const name = ec.targetContainerName
  if (!name) return {}
  const cur = (record.containers.get(name) ?? record.initContainers.get(name))?.current
  return cur?.state === "running" ? { pidTargetId: cur.id } : {}
}

/**
 * Starts the ephemeral containers of `pod` that never started (one whose start failed is tried
 * again on the next sync, as upstream retries a container it could not create).
 */
export async function syncEphemeral(pod: Pod, record: PodRecord, start: StartContainer): Promise<void> {
  const specs = pod.spec?.ephemeralContainers ?? []
  if (!specs.length) return
  const records = (record.ephemeralContainers ??= new Map())
  for (const ec of specs) {
    const r = recordOf(records, ec.name)
    if (r.current) continue // running or exited: never started again
    await start(ec as Container, r, pidTarget(ec, record))
  }
}

/** `status` with the pod's ephemeralContainerStatuses, when it has ephemeral containers. */
export function withEphemeralStatuses(status: PodStatus, pod: Pod, record: PodRecord): PodStatus {
  const specs = pod.spec?.ephemeralContainers ?? []
  if (!specs.length) return status
  const ephemeralContainerStatuses = specs.map((ec) => {
    // Restart policy Never: an exited ephemeral container stays terminated.
    const s = containerStatus(ec as Container, record.ephemeralContainers?.get(ec.name), "Never", false)
    const { started: _started, ...rest } = s
    return { ...rest, ready: false }
  })
  return { ...status, ephemeralContainerStatuses }
}

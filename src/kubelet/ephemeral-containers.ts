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
 * How long after its start an ephemeral container is still reported waiting. Upstream's kubelet
 * reports a container from the runtime state it reads after the start (its next relist, every
 * second), so a command that ends at once is first seen terminated, and kubectl debug prints its
 * logs instead of attaching to a container that has already written its output.
 */
export const SETTLE_MS = 1000

/** The milliseconds left until `r`'s start is reported; 0 when it is (or it is not running). */
function settling(r: ContainerRecord | undefined, now: number): number {
  const cur = r?.current
  if (cur?.state !== "running") return 0
  return Math.max(0, cur.startedAt + SETTLE_MS - now)
}

/**
 * Starts the ephemeral containers of `pod` that never started (one whose start failed is tried
 * again on the next sync, as upstream retries a container it could not create). Returns when
 * to sync again so a start is reported (Infinity: nothing due).
 */
export async function syncEphemeral(pod: Pod, record: PodRecord, start: StartContainer): Promise<number> {
  const specs = pod.spec?.ephemeralContainers ?? []
  if (!specs.length) return Infinity
  const records = (record.ephemeralContainers ??= new Map())
  let wait = Infinity
  for (const ec of specs) {
    const r = recordOf(records, ec.name)
    // Running or exited: never started again.
    if (!r.current) await start(ec as Container, r, pidTarget(ec, record))
    const left = settling(r, Date.now())
    if (left > 0) wait = Math.min(wait, left)
  }
  return wait
}

/** `status` with the pod's ephemeralContainerStatuses, when it has ephemeral containers. */
export function withEphemeralStatuses(status: PodStatus, pod: Pod, record: PodRecord): PodStatus {
  const specs = pod.spec?.ephemeralContainers ?? []
  if (!specs.length) return status
  const ephemeralContainerStatuses = specs.map((ec) => {
    // Restart policy Never: an exited ephemeral container stays terminated.
    const r = record.ephemeralContainers?.get(ec.name)
    const seen = settling(r, Date.now()) > 0 ? undefined : r
    const s = containerStatus(ec as Container, seen, "Never", false)
    const { started: _started, ...rest } = s
    return { ...rest, ready: false }
  })
  return { ...status, ephemeralContainerStatuses }
}

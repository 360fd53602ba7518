/** What the kubelet remembers about each pod it runs, beyond what the runtime reports. */
import type { Allocation } from "./resize/allocation.ts"
import type { ResizeState } from "./resize/conditions.ts"
import type { ContainerInfo, ResourceLimits, Sandbox } from "./runtime/runtime.ts"
import type { TerminationSource } from "./volumes/termination-message.ts"

/** Why a container is not running, as its `waiting` state reports. */
export interface Waiting {
  readonly reason: string
  readonly message?: string
}

/** One container of a pod, across its restarts. */
export interface ContainerRecord {
  /** The latest start (running or exited). */
  current?: ContainerInfo
  /** The start before, for lastState. */
  previous?: ContainerInfo
  restartCount: number
  /** The next back-off (0: restart at once). */
  backoffMs: number
  /** When the current exit may be restarted. */
  nextStartAt: number
  /** The exit that back-off was computed for. */
  decidedFor?: string
  waiting?: Waiting
  /** Readiness probe result (true without a probe once running). */
  ready: boolean
  /** Startup probe result (true without a probe once running). */
  started: boolean
  /** Image pull back-off after a failed pull: when the next pull may be tried, and the error. */
  pull?: { backoffMs: number; until: number; error: string }
  /** Termination messages by container id: where each start's comes from, and the message once read. */
  termination?: Map<string, { readonly source: TerminationSource; message?: string }>
}

/** A pod on this node. */
export interface PodRecord {
  readonly uid: string
  readonly key: string
  sandbox?: Sandbox
  /** When the kubelet first saw it (status.startTime). */
  readonly since: number
  readonly containers: Map<string, ContainerRecord>
  readonly initContainers: Map<string, ContainerRecord>
  /** Its ephemeral containers (kubectl debug), once one was added: never restarted. */
  ephemeralContainers?: Map<string, ContainerRecord>
  /** Set once the pod reached Succeeded or Failed: nothing runs again. */
  terminal?: "Succeeded" | "Failed"
  /** Why the pod failed, when the kubelet decided it. */
  failure?: { readonly reason: string; readonly message: string }
  /** The resources its containers were admitted with, as resizes allocated them since. */
  allocated?: Allocation
  /** The limits its sandbox's pod cgroup has (set when made, changed by resizes). */
  podResources?: ResourceLimits
  /** Its resize conditions, and when its pending resize is looked at again. */
  resize?: ResizeState
}

/** A fresh record of a container. */
export function newContainerRecord(): ContainerRecord {
  return { restartCount: 0, backoffMs: 0, nextStartAt: 0, ready: false, started: false }
}

/** The record of container `name`, created when missing. */
export function recordOf(map: Map<string, ContainerRecord>, name: string): ContainerRecord {
  let r = map.get(name)
  if (!r) {
    r = newContainerRecord()
    map.set(name, r)
  }
  return r
}

/** The record of any container of the pod by name: regular, init or ephemeral. */
export function anyContainerRecord(record: PodRecord | undefined, name: string): ContainerRecord | undefined {
  return (
    record?.containers.get(name) ?? record?.initContainers.get(name) ?? record?.ephemeralContainers?.get(name)
  )
}

/** Every container record of the pod: regular, init and ephemeral, with their names. */
export function allContainerRecords(record: PodRecord): [string, ContainerRecord][] {
  return [
    ...record.containers.entries(),
    ...record.initContainers.entries(),
    ...(record.ephemeralContainers?.entries() ?? []),
  ]
}

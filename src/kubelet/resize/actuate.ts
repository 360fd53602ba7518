/**
 * Applying an allocated resize to running containers (upstream's computePodResizeAction and
 * doPodResizeAction): a container whose applied limits differ from its allocated resources is
 * restarted when a changed resource's resizePolicy is RestartContainer, else updated in place;
 * the pod's cgroup grows before its containers and shrinks after them; a memory limit is not
 * lowered below what is in use (best effort, as upstream since 1.34). Memory requests are not in
 * cgroups: they change nothing here.
 */
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import type { ContainerRecord, PodRecord } from "../pod-state.ts"
import type { ContainerInfo, ContainerRuntime, ResourceLimits } from "../runtime/runtime.ts"
import { containerResources, podResources } from "../sandbox-config.ts"
import { cpuDiffers, MIN_CPU_LIMIT_MILLI, MIN_SHARES_MILLI } from "./status-resources.ts"

/** What of a container's allocated resources is not applied yet. */
export interface ResizeNeed {
  readonly cpu: boolean
  readonly memory: boolean
  /**
   * The limits the container has are not known (an older runtime started it and did not save
   * them): the allocated ones are applied in place, never by a restart.
   */
  readonly unknown?: boolean
}

/** What of container `c`'s allocated resources `info` (running) does not have applied; undefined when nothing. */
export function resizeNeed(c: Container, info: ContainerInfo): ResizeNeed | undefined {
  const have = info.resources
  if (!have) return { cpu: true, memory: true, unknown: true }
  const want = containerResources(c) ?? {}
  const cpu =
    cpuDiffers(have.cpuRequestMilli ?? 0, want.cpuRequestMilli ?? 0, MIN_SHARES_MILLI) ||
    cpuDiffers(have.cpuLimitMilli ?? 0, want.cpuLimitMilli ?? 0, MIN_CPU_LIMIT_MILLI)
  const memory = (have.memoryLimitBytes ?? 0) !== (want.memoryLimitBytes ?? 0)
  return cpu || memory ? { cpu, memory } : undefined
}

/**
 * Whether applying `need` to `c` restarts it: a changed resource's resizePolicy is
 * RestartContainer (and what it has is known: an adopted container is not restarted for limits
 * it may well have).
 */
export function restartsFor(c: Container, need: ResizeNeed): boolean {
  if (need.unknown) return false
  const policy = (name: string) => c.resizePolicy?.find((p) => p.resourceName === name)?.restartPolicy
  return (
    (need.cpu && policy("cpu") === "RestartContainer") ||
    (need.memory && policy("memory") === "RestartContainer")
  )
}

/** The running containers a resize can change (sidecars and regular ones), with their records. */
function resizableRunning(pod: Pod, record: PodRecord): [Container, ContainerRecord, ContainerInfo][] {
  const out: [Container, ContainerRecord, ContainerInfo][] = []
  const add = (c: Container, r: ContainerRecord | undefined) => {
    if (r?.current?.state === "running") out.push([c, r, r.current])
  }
  for (const c of pod.spec?.initContainers ?? [])
    if (c.restartPolicy === "Always") add(c, record.initContainers.get(c.name))
  for (const c of pod.spec?.containers ?? []) add(c, record.containers.get(c.name))
  return out
}

/** Whether a running container has not got its allocated resources yet (upstream's IsPodResizeInProgress). */
export function resizeInProgress(pod: Pod, record: PodRecord): boolean {
  return resizableRunning(pod, record).some(([c, , info]) => resizeNeed(c, info) !== undefined)
}

/** The limits of `a` where `b` does not raise them; undefined values (no limit) are the highest. */
function highest(a: ResourceLimits, b: ResourceLimits): ResourceLimits {
  const out: Record<string, number | undefined> = { ...a }
  for (const k of ["cpuRequestMilli", "cpuLimitMilli", "memoryLimitBytes"] as const) {
    const x = a[k]
    const y = b[k]
    // No limit stays none; a new one comes after the containers'.
    out[k] = x === undefined ? undefined : y === undefined ? x : Math.max(x, y)
  }
  return out as ResourceLimits
}

function sameLimits(a: ResourceLimits, b: ResourceLimits): boolean {
  return (
    a.cpuRequestMilli === b.cpuRequestMilli &&
    a.cpuLimitMilli === b.cpuLimitMilli &&
    a.memoryLimitBytes === b.memoryLimitBytes
  )
}

/** Only the limits that are set (a limit is never taken away in place). */
function defined(l: ResourceLimits): ResourceLimits {
  return Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) as ResourceLimits
}

/** Go's utilerrors aggregate of messages: the one, or all in brackets. */
function aggregate(msgs: readonly string[]): string {
  return msgs.length === 1 ? (msgs[0] as string) : `[${msgs.join(", ")}]`
}

/**
 * Why lowering memory limits now would OOM-kill (upstream's validateMemoryResizeAction): the
 * pod's or a container's usage at or above its new limit. Usage the runtime does not know (no
 * cgroup) is no objection.
 */
function memoryObjections(
  runtime: ContainerRuntime,
  updates: readonly [Container, ContainerInfo][],
  pod: { readonly from: ResourceLimits; readonly to: ResourceLimits },
  running: readonly ContainerInfo[],
): string[] {
  const usage = (id: string) => runtime.usage?.(id)?.memoryBytes
  const msgs: string[] = []
  const podLimit = pod.to.memoryLimitBytes
  if (podLimit !== undefined && podLimit < (pod.from.memoryLimitBytes ?? Infinity)) {
    const used = running.map((i) => usage(i.id))
    const total = used.reduce<number>((n, u) => n + (u ?? 0), 0)
    if (used.some((u) => u !== undefined) && total >= podLimit)
      msgs.push(`attempting to set pod memory limit (${podLimit}) below current usage (${total})`)
  }
  for (const [c, info] of updates) {
    const limit = containerResources(c)?.memoryLimitBytes
    const used = usage(info.id)
    if (limit === undefined || limit >= (info.resources?.memoryLimitBytes ?? Infinity) || used === undefined)
      continue
    if (used >= limit)
      msgs.push(
        `attempting to set container "${c.name}" memory limit (${limit}) below current usage (${used})`,
      )
  }
  return msgs
}

/**
 * Updates in place the running containers of `pod` (as allocated) whose applied limits differ
 * and need no restart, and the pod's cgroup around them. Resolves with why it could not (the
 * PodResizeInProgress Error message), undefined when done or when nothing was to do.
 */
export async function actuateResize(
  runtime: ContainerRuntime,
  pod: Pod,
  record: PodRecord,
): Promise<string | undefined> {
  const running = resizableRunning(pod, record)
  const updates = running
    .filter(([c, , info]) => {
      const need = resizeNeed(c, info)
      return need !== undefined && !restartsFor(c, need)
    })
    .map(([c, , info]): [Container, ContainerInfo] => [c, info])
  const from = record.podResources ?? {}
  const to = { ...from, ...defined(podResources(pod) ?? {}) }
  if (!updates.length && sameLimits(from, to)) return undefined
  if (!runtime.updateResources || !runtime.updateSandboxResources || !record.sandbox)
    return `the ${runtime.name} runtime cannot resize containers in place`
  const objections = memoryObjections(
    runtime,
    updates,
    { from, to },
    running.map(([, , i]) => i),
  )
  if (objections.length) return aggregate(objections)
  try {
    const grown = highest(from, to)
    if (!sameLimits(grown, from)) await runtime.updateSandboxResources(record.sandbox.id, defined(grown))
    record.podResources = grown
    for (const [c, info] of updates) await runtime.updateResources(info.id, containerResources(c) ?? {})
    if (!sameLimits(to, grown)) await runtime.updateSandboxResources(record.sandbox.id, defined(to))
    record.podResources = to
  } catch (err) {
    return (err as Error).message
  }
  return undefined
}

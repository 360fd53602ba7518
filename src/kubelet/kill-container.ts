/**
 * Stopping containers as upstream's killContainer does: a Killing event naming the container,
 * its preStop hook (a failure recorded as FailedPreStopHook, the stop going on), then SIGTERM
 * and SIGKILL once the grace period is over.
 */
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { containerEvent } from "./container-ref.ts"
import { runHook } from "./lifecycle-hooks.ts"
import { allContainerRecords, type PodRecord } from "./pod-state.ts"
import type { ContainerRuntime } from "./runtime/runtime.ts"
import type { EventRecorder } from "../client/index.ts"

/** What stopping uses (a part of the pod sync's deps). */
export interface KillDeps {
  readonly runtime: ContainerRuntime
  readonly events: EventRecorder
  readonly now: () => number
}

/** What is stopped: container `c` (its spec) started as `id` in the pod at `podIP`. */
export interface KillTarget {
  readonly pod: Pod
  readonly c: Container
  readonly id: string
  readonly podIP: string
}

/**
 * Stops one container within `graceMs`; `message` is the Killing event's (default
 * `Stopping container <name>`). With no grace, no event and no preStop hook.
 */
export async function killContainer(
  d: KillDeps,
  t: KillTarget,
  graceMs: number,
  message?: string,
): Promise<void> {
  const deadline = d.now() + graceMs
  const name = t.c.name
  if (graceMs > 0) {
    containerEvent(d.events, t.pod, name, "Normal", "Killing", message ?? `Stopping container ${name}`)
    const hook = t.c.lifecycle?.preStop
    const target = { pod: t.pod, container: t.c, id: t.id, podIP: t.podIP, timeoutMs: graceMs }
    const failure = hook ? await runHook(d.runtime, target, hook) : undefined
    if (failure) containerEvent(d.events, t.pod, name, "Warning", "FailedPreStopHook", failure)
  }
  await d.runtime.stop(t.id, Math.max(0, deadline - d.now()))
}

/** Stops every running container of the pod within `graceMs` (preStop hooks first). */
export async function stopAll(d: KillDeps, pod: Pod, record: PodRecord, graceMs: number): Promise<void> {
  const specs = new Map<string, Container>(
    [
      ...(pod.spec?.initContainers ?? []),
      ...(pod.spec?.containers ?? []),
      ...((pod.spec?.ephemeralContainers ?? []) as Container[]),
    ].map((c) => [c.name, c]),
  )
  const running = allContainerRecords(record).filter(([, r]) => r.current?.state === "running")
  const podIP = record.sandbox?.ip ?? ""
  await Promise.all(
    running.map(async ([name, r]) => {
      const id = r.current?.id as string
      const c = specs.get(name)
      // A container the spec no longer names (the pod is gone) stops without event or hook.
      if (!c) return d.runtime.stop(id, graceMs)
      return killContainer(d, { pod, c, id, podIP }, graceMs)
    }),
  )
}

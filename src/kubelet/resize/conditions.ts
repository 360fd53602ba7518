/**
 * A pod's resize conditions as the kubelet keeps them (upstream's status manager): PodResizePending
 * (reason Infeasible or Deferred) while a resize waits to be allocated, PodResizeInProgress from
 * its allocation until the runtime has it (reason Error while actuating it fails). Both are True
 * when present, carry the generation they were set for, and keep their transition time while
 * their reason stays; and the messages of the kubelet's resize events (events/resize.go).
 */
import type { Container, Pod, ResourceRequirements } from "kubernetes-types/core/v1.js"
import { parseQuantity, quantityString, type TrackedPodCondition } from "../../api/index.ts"
import { rfc3339 } from "../../util/index.ts"

/** What the kubelet keeps of a pod's resize. */
export interface ResizeState {
  pending?: TrackedPodCondition
  inProgress?: TrackedPodCondition
  /** The pod generation whose resize was last evaluated. */
  evaluated?: number
  /** When a Deferred resize is evaluated again. */
  retryAt?: number
  /** Why the last in-place update failed (the runtime's error); undefined when it did not. */
  failed?: string
}

function condition(
  type: "PodResizePending" | "PodResizeInProgress",
  old: TrackedPodCondition | undefined,
  why: { readonly reason: string; readonly message: string },
  generation: number,
  now: number,
): TrackedPodCondition {
  const at = rfc3339(now)
  return {
    type,
    status: "True",
    ...(generation ? { observedGeneration: generation } : {}),
    lastProbeTime: at,
    lastTransitionTime: old && (old.reason ?? "") === why.reason ? old.lastTransitionTime : at,
    ...(why.reason ? { reason: why.reason } : {}),
    ...(why.message ? { message: why.message } : {}),
  }
}

/**
 * Sets PodResizePending; true when it changed (a new reason, message or generation: upstream
 * then records a ResizeDeferred or ResizeInfeasible event).
 */
export function setPending(
  s: ResizeState,
  why: { readonly reason: string; readonly message: string },
  generation: number,
  now: number,
): boolean {
  const old = s.pending
  s.pending = condition("PodResizePending", old, why, generation, now)
  return (
    !old ||
    (old.reason ?? "") !== why.reason ||
    (old.message ?? "") !== why.message ||
    (old.observedGeneration ?? 0) !== generation
  )
}

/** Clears PodResizePending. */
export function clearPending(s: ResizeState): void {
  s.pending = undefined
}

/**
 * Sets PodResizeInProgress for `generation`; without a reason, the one it has stays (an Error
 * stays until the resize is allocated anew or completes).
 */
export function setInProgress(
  s: ResizeState,
  why: { readonly reason: string; readonly message: string },
  generation: number,
  now: number,
): void {
  const old = s.inProgress
  const kept = why.reason || why.message ? why : { reason: old?.reason ?? "", message: old?.message ?? "" }
  s.inProgress = condition("PodResizeInProgress", old, kept, generation, now)
}

/** Clears PodResizeInProgress; the generation it was set for when it was there. */
export function clearInProgress(s: ResizeState): number | undefined {
  const old = s.inProgress
  s.inProgress = undefined
  return old ? (old.observedGeneration ?? 0) : undefined
}

/** The conditions to report, in upstream's order. */
export function resizeConditions(s: ResizeState | undefined): TrackedPodCondition[] {
  return [s?.pending, s?.inProgress].filter((c): c is TrackedPodCondition => !!c)
}

/** A resource list as Go marshals it: keys sorted, quantities in their canonical form. */
function goList(list: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of Object.keys(list).sort()) {
    const q = parseQuantity(list[k])
    out[k] = q ? quantityString(q) : (list[k] as string)
  }
  return out
}

/** ResourceRequirements as Go marshals them: limits, then requests; empty ones left out. */
function goResources(r: ResourceRequirements | undefined): Record<string, unknown> {
  return {
    ...(Object.keys(r?.limits ?? {}).length ? { limits: goList(r?.limits ?? {}) } : {}),
    ...(Object.keys(r?.requests ?? {}).length ? { requests: goList(r?.requests ?? {}) } : {}),
  }
}

function summary(cs: readonly Container[] | undefined) {
  return (cs ?? []).map((c) => ({ name: c.name, resources: goResources(c.resources) }))
}

/**
 * A resize event's message (upstream's podResizeMessage): `prefix`, then the pod's init
 * containers' and containers' resources, the generation and the error, as JSON.
 */
export function resizeMessage(prefix: string, pod: Pod, generation: number, error = ""): string {
  const inits = summary(pod.spec?.initContainers)
  const apps = summary(pod.spec?.containers)
  const body = {
    ...(inits.length ? { initContainers: inits } : {}),
    ...(apps.length ? { containers: apps } : {}),
    generation,
    ...(error ? { error } : {}),
  }
  return `${prefix}: ${JSON.stringify(body)}`
}

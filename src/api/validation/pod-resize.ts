/**
 * A write to pods/resize (upstream's ValidatePodResize, Kubernetes 1.35): the pod must still be
 * valid; pods with pod-level resources, static pods and Windows pods cannot be resized; the QoS
 * class may not change; a running pod's node must report its containers' resources (it supports
 * resize); containers may not be added, removed, renamed or reordered; requests and limits may
 * not be removed; only cpu and memory may change, of regular containers and sidecars (a
 * non-sidecar init container's resources are immutable). Memory limits may go down (since 1.34
 * the kubelet checks the usage first).
 */
import type { Container, Pod, ResourceRequirements } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue } from "../field-errors.ts"
import { podQos, qosClass } from "../qos.ts"
import { parseQuantity, quantityString } from "../quantity.ts"
import { child, deepEqual, index, list } from "./_field.ts"
import { validateObjectMetaUpdate } from "./object-meta.ts"
import { MIRROR_ANNOTATION, validatePodMetadataAndSpec } from "./pod.ts"

type ResourceList = Readonly<Record<string, string>>

/** Whether the pod sets pod-level requests or limits (spec.resources). */
function hasPodLevelResources(pod: Pod): boolean {
  const r = (pod.spec as { resources?: ResourceRequirements } | undefined)?.resources
  return Object.keys(r?.requests ?? {}).length + Object.keys(r?.limits ?? {}).length > 0
}

/**
 * Whether the pod's node supports resize (upstream's isPodResizeRequestSupported): its first
 * running container reports its resources; a pod with none running is taken to.
 */
function resizeSupported(pod: Pod): boolean {
  const running = list(pod.status?.containerStatuses).find((s) => s.state?.running)
  return !running || (running.resources !== undefined && running.resources !== null)
}

function isSidecar(c: Container): boolean {
  return c.restartPolicy === "Always"
}

/** Containers added, removed, renamed or reordered, for both lists. */
function orderErrors(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = []
  for (const k of ["containers", "initContainers"] as const) {
    const now = list(pod.spec?.[k])
    const was = list(old.spec?.[k])
    const field = child("spec", k)
    if (now.length !== was.length) {
      errs.push(forbidden(field, `${k} may not be added or removed on resize`))
      continue
    }
    was.forEach((c, i) => {
      if (now[i]?.name !== c.name)
        errs.push(forbidden(child(index(field, i), "name"), `${k} may not be renamed or reordered on resize`))
    })
  }
  return errs
}

/** Whether a name of `old` is missing from `now`. */
function removed(now: ResourceList | undefined, old: ResourceList | undefined): boolean {
  const have = now ?? {}
  return Object.keys(old ?? {}).some((name) => !(name in have))
}

/** Requests and limits may not be removed (upstream's validateContainerResize). */
function containerResizeErrors(now: Container, was: Container, field: string): FieldError[] {
  const errs: FieldError[] = []
  if (removed(now.resources?.requests, was.resources?.requests))
    errs.push(forbidden(child(field, "requests"), "resource requests cannot be removed"))
  if (removed(now.resources?.limits, was.resources?.limits))
    errs.push(forbidden(child(field, "limits"), "resource limits cannot be removed"))
  return errs
}

/** `list` with its cpu and memory put back to `old`'s (none when `old` had no list). */
function withOldCpuMemory(
  now: ResourceList | undefined,
  old: ResourceList | undefined,
): Record<string, string> | undefined {
  if (!old) return undefined
  const { cpu: _c, memory: _m, ...rest } = now ?? {}
  return {
    ...rest,
    ...(old.cpu !== undefined ? { cpu: old.cpu } : {}),
    ...(old.memory !== undefined ? { memory: old.memory } : {}),
  }
}

/** The container with its cpu and memory changes undone (upstream's dropCPUMemoryResourcesFromContainer). */
function withoutCpuMemoryChanges(c: Container, was: Container): Container {
  const limits = withOldCpuMemory(c.resources?.limits, was.resources?.limits)
  const requests = withOldCpuMemory(c.resources?.requests, was.resources?.requests)
  return { ...c, resources: { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) } }
}

/**
 * A value as apimachinery's Semantic.DeepEqual sees it: empty and absent maps and lists alike,
 * quantities of requests and limits by their value.
 */
function semantic(v: unknown, quantities = false): unknown {
  if (Array.isArray(v)) return v.length ? v.map((x) => semantic(x)) : undefined
  if (v === null || v === undefined) return undefined
  if (typeof v !== "object") {
    const q = quantities ? parseQuantity(v) : undefined
    return q ? quantityString(q) : v
  }
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) {
    const s = semantic(x, k === "requests" || k === "limits" || quantities)
    if (s !== undefined) out[k] = s
  }
  return Object.keys(out).length ? out : undefined
}

function sameSemantic(a: unknown, b: unknown): boolean {
  return deepEqual(semantic(a), semantic(b))
}

/** Only cpu and memory may change: of regular containers and sidecars; a non-sidecar init container's not at all. */
function mutableErrors(now: readonly Container[], was: readonly Container[], init: boolean): FieldError[] {
  const errs: FieldError[] = []
  now.forEach((c, i) => {
    const old = was[i] as Container
    if (init && !isSidecar(c)) {
      if (!sameSemantic(c, old))
        errs.push(forbidden("spec", "resources for non-sidecar init containers are immutable"))
      return
    }
    if (!sameSemantic(withoutCpuMemoryChanges(c, old), old)) {
      const which = init
        ? "only cpu and memory resources for sidecar containers are mutable"
        : "only cpu and memory resources are mutable"
      errs.push(forbidden("spec", which))
    }
  })
  return errs
}

/** The pod's spec but its containers' and sidecars' cpu and memory, which a resize may change. */
function specWithoutResize(pod: Pod, old: Pod): unknown {
  const undo = (now: readonly Container[], was: readonly Container[], init: boolean) =>
    now.map((c, i) => (init && !isSidecar(c) ? c : withoutCpuMemoryChanges(c, was[i] as Container)))
  const spec = pod.spec ?? { containers: [] }
  const containers = undo(list(spec.containers), list(old.spec?.containers), false)
  const initContainers = undo(list(spec.initContainers), list(old.spec?.initContainers), true)
  return { ...spec, containers, ...(spec.initContainers ? { initContainers } : {}) }
}

/** The pods that cannot be resized at all: the one error that says why, else undefined. */
function notResizable(pod: Pod, old: Pod): FieldError[] | undefined {
  if (hasPodLevelResources(old) || hasPodLevelResources(pod))
    return [forbidden("", "pods with pod-level resources cannot be resized")]
  if (old.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined)
    return [forbidden("", "static pods cannot be resized")]
  if (old.spec?.os?.name === "windows") return [forbidden("", "windows pods cannot be resized")]
  return undefined
}

/** Removed requests or limits of the sidecars, then of the containers. */
function removalErrors(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = []
  const inits = list(pod.spec?.initContainers)
  list(old.spec?.initContainers).forEach((c, i) => {
    if (isSidecar(c))
      errs.push(...containerResizeErrors(inits[i] as Container, c, `spec.initContainers[${i}].resources`))
  })
  const apps = list(pod.spec?.containers)
  list(old.spec?.containers).forEach((c, i) =>
    errs.push(...containerResizeErrors(apps[i] as Container, c, `spec.containers[${i}].resources`)),
  )
  return errs
}

/** A resize of `old` to `pod`. */
export function validatePodResize(pod: Pod, old: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata)
  errs.push(...validatePodMetadataAndSpec(pod))
  const refused = notResizable(pod, old)
  if (refused) return refused
  // The class the pod was created with (its status), else computed.
  if (podQos(old) !== qosClass(pod)) {
    const shown = pod.status?.qosClass ?? ""
    errs.push(invalidValue("spec", shown, "Pod QOS Class may not change as a result of resizing"))
  }
  if (!resizeSupported(old)) errs.push(forbidden("spec", "Pod running on node without support for resize"))
  const order = orderErrors(pod, old)
  if (order.length) return [...errs, ...order]
  errs.push(...removalErrors(pod, old))
  errs.push(
    ...mutableErrors(list(pod.spec?.containers), list(old.spec?.containers), false),
    ...mutableErrors(list(pod.spec?.initContainers), list(old.spec?.initContainers), true),
  )
  if (errs.length) return errs
  if (!sameSemantic(specWithoutResize(pod, old), old.spec))
    return [forbidden("spec", "only cpu and memory resources are mutable")]
  return []
}

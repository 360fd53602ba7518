/**
 * The resources the kubelet admitted a pod's containers with (upstream's allocation manager):
 * a pod's containers and sidecars are allocated their spec's resources when it is admitted,
 * and a resize of its spec only once the node can take it; until then everything the kubelet
 * does (starts, cgroups, admission of other pods, status) uses the allocated resources.
 */
import type { Container, Pod, ResourceRequirements } from "kubernetes-types/core/v1.js"
import { compareQuantity, parseQuantity } from "../../api/index.ts"

/** The resources allocated to a pod's resizable containers, by container name. */
export type Allocation = ReadonlyMap<string, ResourceRequirements>

type List = Readonly<Record<string, string>> | undefined

/** Whether two resource lists name the same quantities (by value: 1000m is 1; empty is absent). */
function sameList(a: List, b: List): boolean {
  const names = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])
  for (const name of names) {
    const x = parseQuantity(a?.[name])
    const y = parseQuantity(b?.[name])
    if (x && y ? compareQuantity(x, y) !== 0 : a?.[name] !== b?.[name]) return false
  }
  return true
}

/** Whether two resource requirements are the same, as apimachinery's Semantic.DeepEqual sees them. */
export function sameResources(
  a: ResourceRequirements | undefined,
  b: ResourceRequirements | undefined,
): boolean {
  return sameList(a?.requests, b?.requests) && sameList(a?.limits, b?.limits)
}

/** Containers a resize may change: regular ones and sidecars (upstream's IsResizableContainer). */
function resizable(pod: Pod): Container[] {
  return [
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
    ...(pod.spec?.containers ?? []),
  ]
}

/** The allocation of a pod admitted as it is (its spec's resources). */
export function allocationOf(pod: Pod): Allocation {
  return new Map(resizable(pod).map((c) => [c.name, structuredClone(c.resources ?? {})]))
}

/** A container with its allocated resources (itself when they are its spec's). */
function allocatedContainer(c: Container, allocation: Allocation): Container {
  const allocated = allocation.get(c.name)
  if (!allocated || sameResources(allocated, c.resources)) return c
  return { ...c, resources: allocated }
}

/**
 * The pod as allocated (upstream's UpdatePodFromAllocation): its spec with the allocated
 * resources where they differ; the pod itself when none does (or nothing was allocated).
 */
export function allocatedPod(pod: Pod, allocation: Allocation | undefined): Pod {
  if (!allocation || !pod.spec || !resizeRequested(pod, allocation)) return pod
  const { spec } = pod
  return {
    ...pod,
    spec: {
      ...spec,
      containers: spec.containers.map((c) => allocatedContainer(c, allocation)),
      ...(spec.initContainers
        ? { initContainers: spec.initContainers.map((c) => allocatedContainer(c, allocation)) }
        : {}),
    },
  }
}

/** Whether the pod's spec asks for other resources than those allocated (a resize to admit). */
export function resizeRequested(pod: Pod, allocation: Allocation): boolean {
  return resizable(pod).some((c) => {
    const allocated = allocation.get(c.name)
    return allocated !== undefined && !sameResources(allocated, c.resources)
  })
}

/** A resource list, undefined when it names nothing. */
function listOrNone(list: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  return list && Object.keys(list).length ? { ...list } : undefined
}

/**
 * The pod's allocation as its status reports it (upstream keeps it in a checkpoint; a kubelet
 * that starts again reads it back from the status the previous one wrote): for each container
 * with a status reporting resources, its allocatedResources as requests and its resources'
 * limits; the spec's for the others (a pod never started anywhere). Where the spec asks for
 * more or less, the difference is decided again as a resize.
 */
export function statusAllocation(pod: Pod): Allocation {
  const spec = allocationOf(pod)
  const st = pod.status
  if (!st?.containerStatuses?.length && !st?.initContainerStatuses?.length) return spec
  const reported = new Map<string, ResourceRequirements>()
  for (const s of [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? [])]) {
    if (!s.resources && !s.allocatedResources) continue
    const requests = listOrNone(s.allocatedResources ?? s.resources?.requests)
    const limits = listOrNone(s.resources?.limits)
    reported.set(s.name, { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) })
  }
  return new Map([...spec].map(([name, r]) => [name, reported.get(name) ?? r]))
}

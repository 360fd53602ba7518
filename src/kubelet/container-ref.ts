/**
 * Where a container sits in its pod's spec, as the kubelet names it in the events about the
 * container (involvedObject.fieldPath): `spec.containers{name}`, `spec.initContainers{name}` or
 * `spec.ephemeralContainers{name}`, as upstream's GenerateContainerRef does.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import type { EventRecorder } from "../client/index.ts"

/** What upstream names a container the pod's spec does not hold. */
const IMPLICIT_PREFIX = "implicitly required container "

const LISTS = ["containers", "initContainers", "ephemeralContainers"] as const

/** The field path of container `name` in `pod`'s spec. */
export function containerFieldPath(pod: Pod, name: string): string {
  for (const list of LISTS) {
    const i = (pod.spec?.[list] ?? []).findIndex((c) => c.name === name)
    if (i >= 0) return name ? `spec.${list}{${name}}` : `spec.${list}[${i}]`
  }
  return IMPLICIT_PREFIX + name
}

/** Records an event about container `name` of `pod` (its fieldPath set). */
export function containerEvent(
  events: EventRecorder,
  pod: Pod,
  name: string,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
): void {
  events.event(pod as never, type, reason, message, undefined, containerFieldPath(pod, name))
}

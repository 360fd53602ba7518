/**
 * A pod's QoS class, as upstream's ComputePodQOS computes it: from the cpu and memory requests
 * and limits of its containers and init containers summed (or its pod-level resources, when it
 * sets them), Guaranteed when both are limited everywhere and the sums of requests equal the
 * sums of limits, BestEffort when nothing is asked for, else Burstable.
 */
import type { Container, Pod, ResourceRequirements } from "kubernetes-types/core/v1.js"
import { parseQuantity } from "./quantity.ts"

/** A QoS class. */
export type QosClass = "Guaranteed" | "Burstable" | "BestEffort"

/** The resources the QoS class is computed from. */
const QOS_RESOURCES = ["cpu", "memory"] as const

type Sums = Map<string, bigint>

/** Adds the positive cpu and memory amounts of `list` to `into`; returns the names added. */
function addPositive(into: Sums, list: Readonly<Record<string, unknown>> | undefined): Set<string> {
  const found = new Set<string>()
  for (const name of QOS_RESOURCES) {
    const q = parseQuantity(list?.[name])
    if (!q || q.nano <= 0n) continue
    into.set(name, (into.get(name) ?? 0n) + q.nano)
    found.add(name)
  }
  return found
}

/** Whether `found` names both cpu and memory. */
function limitsBoth(found: ReadonlySet<string>): boolean {
  return QOS_RESOURCES.every((r) => found.has(r))
}

/**
 * The pod-level resources that decide the class, when they name cpu or memory (upstream's
 * IsPodLevelResourcesSet: `resources: {}`, or one naming other resources only, leaves the class
 * to the containers).
 */
function podLevel(pod: Pod): ResourceRequirements | undefined {
  const level = (pod.spec as { resources?: ResourceRequirements } | undefined)?.resources ?? undefined
  const names = (list: Readonly<Record<string, unknown>> | undefined) => Object.keys(list ?? {})
  const set = [...names(level?.requests), ...names(level?.limits)].some((n) => n === "cpu" || n === "memory")
  return set ? level : undefined
}

/**
 * The pod's QoS class as stored: its status.qosClass when set, else computed (upstream's
 * GetPodQOS; the class is immutable once the pod exists, whatever a resize or a newer way of
 * computing it would say).
 */
export function podQos(pod: Pod): QosClass {
  return (pod.status?.qosClass as QosClass | undefined) || qosClass(pod)
}

/** The pod's QoS class computed from its resources (upstream's ComputePodQOS). */
export function qosClass(pod: Pod): QosClass {
  const requests: Sums = new Map()
  const limits: Sums = new Map()
  let guaranteed = true
  const level = podLevel(pod)
  if (level) {
    addPositive(requests, level.requests)
    if (Object.keys(level.limits ?? {}).length && !limitsBoth(addPositive(limits, level.limits)))
      guaranteed = false
  } else {
    // Ephemeral containers set no resources.
    const all: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]
    for (const c of all) {
      addPositive(requests, c.resources?.requests)
      if (!limitsBoth(addPositive(limits, c.resources?.limits))) guaranteed = false
    }
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort"
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name)
      if (lim !== req) {
        guaranteed = false
        break
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable"
}

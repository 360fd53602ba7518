/**
 * A pod's QoS class, as upstream's ComputePodQOS computes it: from the cpu and memory requests
 * and limits of its containers and init containers summed (or its pod-level resources, when it
 * sets them), Guaranteed when both are limited everywhere and the sums of requests equal the
 * sums of limits, BestEffort when nothing is asked for, else Burstable.
 */
import type { Pod, ResourceRequirements } from "kubernetes-types/core/v1.js"
import { parseQuantity } from "./quantity.ts"

/** A QoS class. */
export type QosClass = "Guaranteed" | "Burstable" | "BestEffort"

/** Bits of the resources the QoS class is computed from, in a set of them. */
const CPU = 1
const MEMORY = 2

/** The positive amount of `name` in `list`, in nano units; 0n when it has none. */
function positive(list: Readonly<Record<string, unknown>> | undefined, name: string): bigint {
  const q = parseQuantity(list?.[name])
  return q && q.nano > 0n ? q.nano : 0n
}

/**
 * Sums of cpu and memory amounts, with the set of those summed (CPU, MEMORY bits): plain fields,
 * not maps, as every pod create computes its class.
 */
class Sums {
  cpu = 0n
  memory = 0n
  names = 0

  /** Adds the positive cpu and memory amounts of `list`; returns the set of those it added. */
  add(list: Readonly<Record<string, unknown>> | undefined): number {
    const cpu = positive(list, "cpu")
    const memory = positive(list, "memory")
    let found = 0
    if (cpu) {
      this.cpu += cpu
      found |= CPU
    }
    if (memory) {
      this.memory += memory
      found |= MEMORY
    }
    this.names |= found
    return found
  }
}

/** Whether `list` names cpu or memory. */
function namesCpuOrMemory(list: Readonly<Record<string, unknown>> | undefined | null): boolean {
  return list !== undefined && list !== null && (Object.hasOwn(list, "cpu") || Object.hasOwn(list, "memory"))
}

/**
 * The pod-level resources that decide the class, when they name cpu or memory (upstream's
 * IsPodLevelResourcesSet: `resources: {}`, or one naming other resources only, leaves the class
 * to the containers).
 */
function podLevel(pod: Pod): ResourceRequirements | undefined {
  const level = (pod.spec as { resources?: ResourceRequirements } | undefined)?.resources ?? undefined
  return namesCpuOrMemory(level?.requests) || namesCpuOrMemory(level?.limits) ? level : undefined
}

/** How many of CPU and MEMORY a set holds. */
function count(names: number): number {
  return (names & CPU) + ((names & MEMORY) >> 1)
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
  const requests = new Sums()
  const limits = new Sums()
  let guaranteed = true
  const level = podLevel(pod)
  if (level) {
    requests.add(level.requests)
    if (Object.keys(level.limits ?? {}).length && limits.add(level.limits) !== (CPU | MEMORY))
      guaranteed = false
  } else {
    // Ephemeral containers set no resources.
    for (const list of [pod.spec?.containers, pod.spec?.initContainers]) {
      for (const c of list ?? []) {
        requests.add(c.resources?.requests)
        if (limits.add(c.resources?.limits) !== (CPU | MEMORY)) guaranteed = false
      }
    }
  }
  if (requests.names === 0 && limits.names === 0) return "BestEffort"
  return guaranteed && limitedAsRequested(requests, limits) ? "Guaranteed" : "Burstable"
}

/** Whether `limits` sums the same resources as `requests`, each to the same amount. */
function limitedAsRequested(requests: Sums, limits: Sums): boolean {
  if (requests.names & CPU && (!(limits.names & CPU) || limits.cpu !== requests.cpu)) return false
  if (requests.names & MEMORY && (!(limits.names & MEMORY) || limits.memory !== requests.memory)) return false
  return count(requests.names) === count(limits.names)
}

/**
 * The status a ReplicaSet or ReplicationController reports about the pods it controls:
 * counters, observedGeneration and the ReplicaFailure condition.
 */
import type { ReplicaSetCondition, ReplicaSetStatus } from "kubernetes-types/apps/v1.js"
import type { Pod } from "kubernetes-types/core/v1.js"
import { podReadyCondition } from "../../api/index.ts"
import { readiness } from "./pods.ts"
import { rfc3339 } from "../../util/index.ts"

/** A failure of the last create or delete round, surfaced as ReplicaFailure. */
export interface ManageFailure {
  /** "FailedCreate" or "FailedDelete". */
  readonly reason: "FailedCreate" | "FailedDelete"
  readonly message: string
}

/** What calculateStatus reads of the controller. */
export interface StatusInput {
  readonly status?: ReplicaSetStatus | undefined
  readonly generation?: number | undefined
  readonly minReadySeconds: number
  /** The template's labels: a pod carrying all of them counts as fully labeled. */
  readonly templateLabels: Readonly<Record<string, string>>
  /**
   * Pods it controls that are being deleted but have not finished (status.terminatingReplicas,
   * upstream's DeploymentReplicaSetTerminatingReplicas, on by default since 1.35); undefined for
   * kinds without the field (ReplicationController).
   */
  readonly terminatingReplicas?: number | undefined
}

/** ReplicaSetStatus with status.terminatingReplicas (newer than kubernetes-types). */
export type ReplicaSetStatusWithTerminating = ReplicaSetStatus & { terminatingReplicas?: number }

/** True when `labels` has each of `keys` with the value at the same index (plain loop: it runs per pod per sync). */
function hasLabels(
  labels: Readonly<Record<string, string>> | undefined,
  keys: readonly string[],
  values: readonly (string | undefined)[],
): boolean {
  if (keys.length === 0) return true
  if (!labels) return false
  for (let i = 0; i < keys.length; i++) if (labels[keys[i] as string] !== values[i]) return false
  return true
}

/** The status for the active pods `pods` the controller owns, after `failure` (if any). */
export function calculateStatus(
  input: StatusInput,
  pods: readonly Pod[],
  failure: ManageFailure | undefined,
  now: number,
): ReplicaSetStatusWithTerminating {
  const keys = Object.keys(input.templateLabels)
  const values = keys.map((k) => input.templateLabels[k])
  let fully = 0
  let ready = 0
  let available = 0
  const minReady = input.minReadySeconds
  // An indexed loop: it runs per pod per sync, and an iterator allocates a result per pod unless optimised.
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i] as Pod
    if (hasLabels(p.metadata?.labels, keys, values)) fully++
    const r = readiness(p, minReady, now)
    if (r !== "unready") ready++
    if (r === "available") available++
  }
  const old = input.status?.conditions ?? []
  let conditions: ReplicaSetCondition[] = old.filter((c) => c.type !== "ReplicaFailure")
  const existing = old.find((c) => c.type === "ReplicaFailure")
  // Upstream keeps the first failure's condition until a round succeeds.
  if (failure) {
    conditions = [
      ...conditions,
      existing ?? {
        type: "ReplicaFailure",
        status: "True",
        reason: failure.reason,
        message: failure.message,
        lastTransitionTime: rfc3339(now),
      },
    ]
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
    ...(input.terminatingReplicas !== undefined ? { terminatingReplicas: input.terminatingReplicas } : {}),
    ...(input.generation !== undefined ? { observedGeneration: input.generation } : {}),
    ...(conditions.length ? { conditions } : {}),
  }
}

/** True when `next` says something `cur` does not. */
export function statusChanged(
  cur: ReplicaSetStatusWithTerminating | undefined,
  next: ReplicaSetStatusWithTerminating,
): boolean {
  const c = cur ?? { replicas: 0 }
  return (
    c.terminatingReplicas !== next.terminatingReplicas ||
    (c.replicas ?? 0) !== next.replicas ||
    (c.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (c.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (c.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    c.observedGeneration !== next.observedGeneration ||
    JSON.stringify(c.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  )
}

/**
 * How long until the next ready pod becomes available (ms), so the controller can look again
 * then; undefined when none is waiting.
 */
export function nextAvailableIn(
  pods: readonly Pod[],
  minReadySeconds: number,
  now: number,
): number | undefined {
  if (minReadySeconds <= 0) return undefined
  let soonest: number | undefined
  for (const p of pods) {
    if (readiness(p, minReadySeconds, now) !== "ready") continue
    const t = podReadyCondition(p)?.lastTransitionTime
    const at = t ? Date.parse(t) + minReadySeconds * 1000 + 1 : now + minReadySeconds * 1000
    const wait = Math.max(1, at - now)
    soonest = soonest === undefined ? wait : Math.min(soonest, wait)
  }
  return soonest
}

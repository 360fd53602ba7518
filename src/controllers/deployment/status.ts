/**
 * A Deployment's status: counters summed over its ReplicaSets, the Available condition, and the
 * Progressing condition's rules (complete, progressing, timed out against progressDeadlineSeconds).
 */
import type {
  Deployment,
  DeploymentCondition,
  DeploymentStatus,
  ReplicaSet,
} from "kubernetes-types/apps/v1.js"
import { maxUnavailable, specReplicas, specSum, statusSum } from "./replicas.ts"
import { rfc3339 } from "../../util/index.ts"

/** Reasons of the Progressing and Available conditions (upstream's constants). */
export type ConditionReason =
  | "NewReplicaSetCreated"
  | "FoundNewReplicaSet"
  | "ReplicaSetUpdated"
  | "NewReplicaSetAvailable"
  | "ProgressDeadlineExceeded"
  | "ReplicaSetCreateError"
  | "DeploymentPaused"
  | "DeploymentResumed"
  | "MinimumReplicasAvailable"
  | "MinimumReplicasUnavailable"

/** DeploymentStatus with status.terminatingReplicas (newer than kubernetes-types). */
type StatusWithTerminating = DeploymentStatus & { terminatingReplicas?: number }

/**
 * The terminating pods of all the ReplicaSets (upstream's GetTerminatingReplicaCountForReplicaSets):
 * undefined when none reports status.terminatingReplicas.
 */
export function terminatingSum(all: readonly (ReplicaSet | undefined)[]): number | undefined {
  let sum: number | undefined
  for (const rs of all) {
    const n = (rs?.status as StatusWithTerminating | undefined)?.terminatingReplicas
    if (n !== undefined) sum = (sum ?? 0) + n
  }
  return sum
}

/** upstream's math.MaxInt32 sentinel: no progress deadline. */
const NO_DEADLINE = 2147483647

/** A new condition stamped `now`. */
export function newCondition(
  type: "Progressing" | "Available" | "ReplicaFailure",
  status: "True" | "False" | "Unknown",
  reason: string,
  message: string,
  now: number,
): DeploymentCondition {
  const at = rfc3339(now)
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message }
}

/** The condition of `type`, if present. */
export function getCondition(
  status: DeploymentStatus | undefined,
  type: string,
): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type)
}

/**
 * Sets `cond` unless one of its type with the same status and reason exists; keeps the
 * transition time when only the reason changes. Mutates `status`.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type)
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return
  const next =
    cur && cur.status === cond.status ? { ...cond, lastTransitionTime: cur.lastTransitionTime } : cond
  ;(status as { conditions?: DeploymentCondition[] }).conditions = [
    ...(status.conditions ?? []).filter((c) => c.type !== cond.type),
    next,
  ]
}

/** Removes the condition of `type`. Mutates `status`. */
export function removeCondition(status: DeploymentStatus, type: string): void {
  const left = (status.conditions ?? []).filter((c) => c.type !== type)
  const s = status as { conditions?: DeploymentCondition[] }
  if (left.length) s.conditions = left
  else delete s.conditions
}

/** True when the Deployment has a progress deadline. */
export function hasProgressDeadline(d: Deployment): boolean {
  const p = d.spec?.progressDeadlineSeconds
  return p !== undefined && p !== NO_DEADLINE
}

/** The status the ReplicaSets add up to, with the Available condition (upstream's calculateStatus). */
export function calculateStatus(
  d: Deployment,
  all: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  now: number,
): DeploymentStatus {
  const available = statusSum(all, "availableReplicas")
  const unavailable = Math.max(0, specSum(all) - available)
  const terminating = terminatingSum(all)
  const status: StatusWithTerminating = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: statusSum(all, "replicas"),
    updatedReplicas: statusSum([newRS], "replicas"),
    readyReplicas: statusSum(all, "readyReplicas"),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    ...(terminating !== undefined ? { terminatingReplicas: terminating } : {}),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    ...(d.status?.conditions ? { conditions: [...d.status.conditions] } : {}),
  }
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(
      status,
      newCondition(
        "Available",
        "True",
        "MinimumReplicasAvailable",
        "Deployment has minimum availability.",
        now,
      ),
    )
  } else {
    setCondition(
      status,
      newCondition(
        "Available",
        "False",
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
        now,
      ),
    )
  }
  return status
}

/** True when every replica is updated and available and the latest spec was observed. */
export function isComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = specReplicas(d)
  return (
    (s.updatedReplicas ?? 0) === r &&
    (s.replicas ?? 0) === r &&
    (s.availableReplicas ?? 0) === r &&
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  )
}

/** True when `s` shows progress over the Deployment's current status. */
export function isProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {}
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0)
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0)
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  )
}

/** True when the Progressing condition was last updated longer than the deadline before `now`. */
export function isTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false
  const c = getCondition(s, "Progressing")
  if (!c || c.reason === "NewReplicaSetAvailable") return false
  if (c.reason === "ProgressDeadlineExceeded") return true
  const from = Date.parse(c.lastUpdateTime ?? "")
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now
}

/** The ReplicaFailure conditions to surface, the new ReplicaSet's first. */
export function replicaFailures(
  all: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): DeploymentCondition[] {
  const of = (rs: ReplicaSet | undefined): DeploymentCondition[] =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === "ReplicaFailure")
      .map((c) => ({
        type: c.type,
        status: c.status,
        ...(c.lastTransitionTime
          ? { lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime }
          : {}),
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.message ? { message: c.message } : {}),
      }))
  const fromNew = of(newRS)
  return fromNew.length ? fromNew : all.flatMap(of)
}

/** True when two statuses say the same (upstream compares with DeepEqual). */
export function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return JSON.stringify(normalize(a ?? {})) === JSON.stringify(normalize(b))
}

function normalize(s: StatusWithTerminating) {
  return {
    terminatingReplicas: s.terminatingReplicas,
    observedGeneration: s.observedGeneration ?? 0,
    replicas: s.replicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    unavailableReplicas: s.unavailableReplicas ?? 0,
    collisionCount: s.collisionCount,
    conditions: (s.conditions ?? []).map((c) => [
      c.type,
      c.status,
      c.reason,
      c.message,
      c.lastUpdateTime,
      c.lastTransitionTime,
    ]),
  }
}

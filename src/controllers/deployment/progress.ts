/**
 * The Progressing condition of a rollout (upstream's progress.go): complete, progressing or
 * past progressDeadlineSeconds, and when to look again at a rollout that shows no progress.
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from "kubernetes-types/apps/v1.js"
import {
  calculateStatus,
  getCondition,
  hasProgressDeadline,
  isComplete,
  isProgressing,
  isTimedOut,
  newCondition,
  removeCondition,
  replicaFailures,
  sameStatus,
  setCondition,
} from "./status.ts"
import type { DeploymentSync, ReplicaSetObject } from "./sync.ts"

/**
 * Writes the status with the Progressing condition estimated (upstream's syncRolloutStatus).
 * Returns when to look again for a stuck rollout's deadline, if at all.
 */
export async function syncRolloutStatus(
  s: DeploymentSync,
  all: readonly (ReplicaSetObject | undefined)[],
  newRS: ReplicaSetObject | undefined,
): Promise<number | undefined> {
  const now = s.now()
  const d = s.d
  const status = calculateStatus(d, all, newRS, now)
  if (!hasProgressDeadline(d)) removeCondition(status, "Progressing")
  const cur = getCondition(d.status, "Progressing")
  const done = status.replicas === status.updatedReplicas && cur?.reason === "NewReplicaSetAvailable"
  if (hasProgressDeadline(d) && !done) progressCondition(d, status, newRS, now)
  const failures = replicaFailures(all, newRS)
  if (failures[0]) setCondition(status, failures[0])
  else removeCondition(status, "ReplicaFailure")
  if (sameStatus(d.status, status)) return stuckRequeue(d, status, now)
  await s.updateStatus(status)
  return undefined
}

/** Sets the Progressing condition for a rollout in flight. Mutates `status`. */
function progressCondition(
  d: Deployment,
  status: DeploymentStatus,
  newRS: ReplicaSet | undefined,
  now: number,
): void {
  const name = newRS?.metadata?.name
  const subject = name ? `ReplicaSet "${name}"` : `Deployment "${d.metadata?.name ?? ""}"`
  if (isComplete(d, status)) {
    const msg = `${subject} has successfully progressed.`
    setCondition(status, newCondition("Progressing", "True", "NewReplicaSetAvailable", msg, now))
  } else if (isProgressing(d, status)) {
    const cond = newCondition("Progressing", "True", "ReplicaSetUpdated", `${subject} is progressing.`, now)
    const cur = getCondition(d.status, "Progressing")
    // Progress refreshes lastUpdateTime even when the reason stays the same.
    if (cur) {
      if (cur.status === "True" && cur.lastTransitionTime) cond.lastTransitionTime = cur.lastTransitionTime
      removeCondition(status, "Progressing")
    }
    setCondition(status, cond)
  } else if (isTimedOut(d, status, now)) {
    const msg = `${subject} has timed out progressing.`
    setCondition(status, newCondition("Progressing", "False", "ProgressDeadlineExceeded", msg, now))
  }
}

/** When to check a rollout without progress against its deadline (upstream's requeueStuckDeployment). */
function stuckRequeue(d: Deployment, status: DeploymentStatus, now: number): number | undefined {
  const cur = getCondition(d.status, "Progressing")
  if (!hasProgressDeadline(d) || !cur) return undefined
  if (isComplete(d, status) || cur.reason === "ProgressDeadlineExceeded") return undefined
  const after = Date.parse(cur.lastUpdateTime ?? "") + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now
  return Math.max(after < 1000 ? 1000 : after + 1000, 1)
}

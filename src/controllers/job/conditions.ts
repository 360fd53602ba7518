/** Job conditions: their types and reasons, and how the controller sets them. */
import type { JobCondition } from "kubernetes-types/batch/v1.js"
import type { Job } from "./types.ts"
import { rfc3339 } from "../../util/index.ts"

/** The condition types the Job controller writes. */
export type JobConditionType = "Complete" | "Failed" | "FailureTarget" | "SuccessCriteriaMet" | "Suspended"

/** The reasons of the Failed and FailureTarget conditions. */
export type JobFailureReason =
  | "BackoffLimitExceeded"
  | "DeadlineExceeded"
  | "PodFailurePolicy"
  | "MaxFailedIndexesExceeded"
  | "FailedIndexes"

/** The reasons of the Complete and SuccessCriteriaMet conditions. */
export type JobSuccessReason = "CompletionsReached" | "SuccessPolicy"

/** The Job's condition of type `type`, if any. */
export function findCondition(job: Job, type: JobConditionType): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type)
}

/** True when the Job has condition `type` with status True. */
export function hasTrueCondition(job: Job, type: JobConditionType): boolean {
  return findCondition(job, type)?.status === "True"
}

/** True when the Job is Complete or Failed. */
export function isJobFinished(job: Job): boolean {
  return hasTrueCondition(job, "Complete") || hasTrueCondition(job, "Failed")
}

/** A condition as of `now`. */
export function newCondition(
  type: JobConditionType,
  status: "True" | "False",
  reason: string,
  message: string,
  now: number,
): JobCondition {
  const at = rfc3339(now)
  return { type, status, reason, message, lastProbeTime: at, lastTransitionTime: at }
}

/**
 * Sets condition `type` on the Job's status (adding it only when not False) and reports
 * whether anything changed.
 */
export function ensureCondition(
  job: Job,
  cond: { type: JobConditionType; status: "True" | "False"; reason: string; message: string },
  now: number,
): boolean {
  const status = (job.status ??= {})
  const list = (status.conditions ??= [])
  const i = list.findIndex((c) => c.type === cond.type)
  const next = newCondition(cond.type, cond.status, cond.reason, cond.message, now)
  const cur = list[i]
  if (cur) {
    if (cur.status === cond.status && cur.reason === cond.reason && cur.message === cond.message) return false
    list[i] = next
    return true
  }
  if (cond.status === "False") return false
  list.push(next)
  return true
}

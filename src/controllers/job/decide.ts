/**
 * What a Job sync decides from its pods and status: whether the Job failed (pod failure
 * policy, backoff limit, restarts, deadline, failed indexes) or met its success policy.
 */
import type { JobCondition } from "kubernetes-types/batch/v1.js"
import { findCondition, newCondition } from "./conditions.ts"
import { type SyncContext, type SyncDeps, requeueAfter } from "./context.ts"
import {
  completionsOf,
  failedIndexes,
  hasBackoffLimitPerIndex,
  podsWithDelayedDeletion,
  succeededIndexes,
} from "./indexed.ts"
import { totalOf } from "./intervals.ts"
import { matchPodFailurePolicy, matchSuccessPolicy } from "./policies.ts"
import { isIndexed, isPodFailed } from "./pods.ts"
import type { Job, Pod } from "./types.ts"

/** Container restarts of running pods beyond the backoff limit (restartPolicy OnFailure). */
function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== "OnFailure") return false
  let restarts = 0
  for (const p of pods) {
    if (p.status?.phase !== "Running" && p.status?.phase !== "Pending") continue
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      restarts += s.restartCount ?? 0
    }
  }
  const limit = job.spec?.backoffLimit ?? 6
  return limit === 0 ? restarts > 0 : restarts >= limit
}

function failure(reason: string, message: string, now: number): JobCondition {
  return newCondition("FailureTarget", "True", reason, message, now)
}

/** The FailJob message of the first failed pod the pod failure policy fails the Job for. */
function failJobMessage(job: Job, pods: readonly Pod[]): string | undefined {
  const policy = job.spec?.podFailurePolicy
  if (!policy) return undefined
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue
    const m = matchPodFailurePolicy(policy, p)
    if (m.message !== undefined) return m.message
  }
  return undefined
}

/** DeadlineExceeded once activeDeadlineSeconds passed since the start; else a sync at the deadline. */
function checkDeadline(ctx: SyncContext, now: number): void {
  const job = ctx.job
  const deadline = job.spec?.activeDeadlineSeconds
  const start = job.status?.startTime
  if (deadline === undefined || deadline === null || !start || job.spec?.suspend) return
  const left = deadline * 1000 - (now - Date.parse(start))
  if (left <= 0)
    ctx.finishedCondition = failure("DeadlineExceeded", "Job was active longer than specified deadline", now)
  else requeueAfter(ctx, left)
}

/** The failure the Job reached through its pod failure policy, backoff limit or deadline. */
export function decideFailure(deps: SyncDeps, ctx: SyncContext): void {
  const job = ctx.job
  const now = deps.now()
  const target = findCondition(job, "FailureTarget")
  if (target?.status === "True") {
    ctx.finishedCondition = newCondition("Failed", "True", target.reason ?? "", target.message ?? "", now)
    return
  }
  const message = failJobMessage(job, ctx.pods)
  if (message !== undefined) {
    ctx.finishedCondition = failure("PodFailurePolicy", message, now)
    return
  }
  if (ctx.failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, ctx.pods)) {
    ctx.finishedCondition = failure(
      "BackoffLimitExceeded",
      "Job has reached the specified backoff limit",
      now,
    )
    return
  }
  checkDeadline(ctx, now)
}

/** Indexed Jobs: the succeeded and failed indexes, and what they decide. */
export function decideIndexes(deps: SyncDeps, ctx: SyncContext): void {
  const job = ctx.job
  if (!isIndexed(job)) return
  const now = deps.now()
  const s = succeededIndexes(job, ctx.pods)
  ctx.prevSucceededIndexes = s.prev
  ctx.succeededIndexes = s.all
  ctx.succeeded = totalOf(s.all)
  const completions = completionsOf(job)
  if (hasBackoffLimitPerIndex(job)) {
    const failed = failedIndexes(job, ctx.pods)
    ctx.failedIndexes = failed
    const n = totalOf(failed)
    const max = job.spec?.maxFailedIndexes
    if (!ctx.finishedCondition && max !== undefined && max !== null && n > max) {
      ctx.finishedCondition = failure(
        "MaxFailedIndexesExceeded",
        "Job has exceeded the specified maximal number of failed indexes",
        now,
      )
    } else if (!ctx.finishedCondition && n > 0 && n + ctx.succeeded >= completions) {
      ctx.finishedCondition = failure("FailedIndexes", "Job has failed indexes", now)
    }
    ctx.podsWithDelayedDeletion = podsWithDelayedDeletion(job, ctx.pods, ctx.succeededIndexes, failed)
  }
  if (!ctx.finishedCondition) {
    const msg = matchSuccessPolicy(job.spec?.successPolicy, completions, ctx.succeededIndexes)
    if (msg !== undefined)
      ctx.finishedCondition = newCondition("SuccessCriteriaMet", "True", "SuccessPolicy", msg, now)
  }
}

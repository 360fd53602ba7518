/**
 * Keeping the right number of pods: creating pods (with completion indexes and the per-index
 * failure counts in Indexed Jobs) after the backoff delay, deleting surplus, suspended or
 * finished Jobs' pods, and removing the tracking finalizer.
 */
import type { Job, Pod } from "./types.ts"
import { Pods, isNotFound, isPodReady, keyOf } from "../../api/index.ts"
import { remainingFor, remainingTime } from "./backoff.ts"
import { type SyncContext, type SyncDeps, requeueAfter } from "./context.ts"
import {
  activePodsForRemoval,
  failuresWith,
  firstPendingIndexes,
  hasBackoffLimitPerIndex,
  nextFailureCounts,
} from "./indexed.ts"
import {
  JOB_TRACKING_FINALIZER,
  UNKNOWN_INDEX,
  finishedTimeOf,
  isIndexed,
  isTerminating,
  onlyReplaceFailedPods,
  podFromTemplate,
} from "./pods.ts"

/** The most pods one sync creates or deletes. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500

/** Removes the tracking finalizer from `pod`; true when it is gone (or the pod is). */
export async function removeTrackingFinalizer(deps: SyncDeps, pod: Pod): Promise<boolean> {
  const i = pod.metadata?.finalizers?.indexOf(JOB_TRACKING_FINALIZER) ?? -1
  if (i < 0) return true
  try {
    await deps.client.resource(Pods).patch(
      { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" },
      [
        { op: "test", path: `/metadata/finalizers/${i}`, value: JOB_TRACKING_FINALIZER },
        { op: "remove", path: `/metadata/finalizers/${i}` },
      ],
      { type: "json" },
    )
    return true
  } catch (err) {
    if (isNotFound(err)) return true
    deps.log.warn({ pod: keyOf(pod), err: String(err) }, "Cannot remove the job-tracking finalizer")
    return false
  }
}

/** Deletes pods; returns how many went (and how many of those were ready) and the first error. */
async function deletePods(
  deps: SyncDeps,
  ctx: SyncContext,
  pods: readonly Pod[],
  removeFinalizer: boolean,
): Promise<{ deleted: number; ready: number; err?: unknown }> {
  let deleted = 0
  let ready = 0
  let firstErr: unknown
  await Promise.all(
    pods.map(async (pod) => {
      try {
        if (removeFinalizer && !(await removeTrackingFinalizer(deps, pod))) {
          throw new Error(`Cannot remove the job-tracking finalizer of pod "${keyOf(pod)}"`)
        }
        await deps.client
          .resource(Pods)
          .delete({ namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" })
        deps.recorder.event(ctx.job, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata?.name ?? ""}`)
      } catch (err) {
        if (removeFinalizer) deps.expectations.observed(ctx.key, 0, 1)
        if (!isNotFound(err)) {
          firstErr ??= err
          deps.recorder.event(
            ctx.job,
            "Warning",
            "FailedDelete",
            `Error deleting: ${err instanceof Error ? err.message : String(err)}`,
          )
          return
        }
      }
      deleted++
      if (isPodReady(pod)) ready++
    }),
  )
  return { deleted, ready, ...(firstErr !== undefined ? { err: firstErr } : {}) }
}

/** Deletes every active pod of a finished Job (keeping finalizers: tracking removes them). */
export async function deleteActivePods(
  deps: SyncDeps,
  ctx: SyncContext,
): Promise<{ deleted: number; err?: unknown }> {
  const r = await deletePods(deps, ctx, ctx.activePods, false)
  ctx.terminating += r.deleted
  ctx.ready -= r.ready
  return r
}

async function removeSurplus(
  deps: SyncDeps,
  ctx: SyncContext,
  pods: readonly Pod[],
): Promise<{ active: number; err?: unknown }> {
  deps.expectations.expect(ctx.key, 0, pods.length)
  const r = await deletePods(deps, ctx, pods, true)
  ctx.terminating += r.deleted
  ctx.ready -= r.ready
  return { active: ctx.activePods.length - r.deleted, ...(r.err !== undefined ? { err: r.err } : {}) }
}

function wantedActive(job: Job, ctx: SyncContext): number {
  const parallelism = job.spec?.parallelism ?? 1
  const completions = job.spec?.completions
  // Without completions, one success ends the Job: leave what runs, start nothing more.
  if (completions === undefined || completions === null)
    return ctx.succeeded > 0 ? ctx.activePods.length : parallelism
  return Math.max(0, Math.min(parallelism, completions - ctx.succeeded))
}

/** Indexes ready for a new pod now, or the shortest wait before one is (per-index backoff). */
function indexesToCreate(
  deps: SyncDeps,
  ctx: SyncContext,
  count: number,
): { indexes: number[]; waitMs: number } {
  const job = ctx.job
  const pending = firstPendingIndexes(
    job,
    {
      active: ctx.activePods,
      terminating: ctx.pods.filter(isTerminating),
      succeeded: ctx.succeededIndexes,
      failed: ctx.failedIndexes,
    },
    count,
  )
  if (!hasBackoffLimitPerIndex(job)) return { indexes: pending, waitMs: 0 }
  const now = deps.now()
  const ready: number[] = []
  let waitMs = Infinity
  for (const ix of pending) {
    const last = ctx.podsWithDelayedDeletion.get(ix)
    const wait = last ? remainingFor(failuresWith(last), finishedTimeOf(last, now), now) : 0
    if (wait === 0) ready.push(ix)
    else waitMs = Math.min(waitMs, wait)
  }
  return ready.length
    ? { indexes: ready, waitMs: 0 }
    : { indexes: [], waitMs: waitMs === Infinity ? 0 : waitMs }
}

async function createPods(
  deps: SyncDeps,
  ctx: SyncContext,
  indexes: readonly number[],
): Promise<{ created: number; err?: unknown }> {
  const job = ctx.job
  const podClient = deps.client.resource(Pods)
  deps.expectations.expect(ctx.key, indexes.length, 0)
  let created = 0
  let firstErr: unknown
  // Slow start: batches of 1, 2, 4, ... so a failing create does not repeat hundreds of times.
  let i = 0
  for (let batch = 1; i < indexes.length && firstErr === undefined; batch *= 2) {
    const slice = indexes.slice(i, i + batch)
    i += slice.length
    await Promise.all(
      slice.map(async (index) => {
        const counts =
          index !== UNKNOWN_INDEX && hasBackoffLimitPerIndex(job)
            ? nextFailureCounts(job, ctx.podsWithDelayedDeletion.get(index))
            : undefined
        try {
          const pod = await podClient.create(
            podFromTemplate(job, { index, ...(counts ? { failureCounts: counts } : {}) }),
          )
          created++
          deps.recorder.event(job, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata?.name ?? ""}`)
        } catch (err) {
          deps.expectations.observed(ctx.key, 1, 0)
          firstErr ??= err
          deps.recorder.event(
            job,
            "Warning",
            "FailedCreate",
            `Error creating: ${err instanceof Error ? err.message : String(err)}`,
          )
        }
      }),
    )
  }
  // Creates never attempted after a failure are not expected either.
  deps.expectations.observed(ctx.key, indexes.length - i, 0)
  return { created, ...(firstErr !== undefined ? { err: firstErr } : {}) }
}

/**
 * Converges the number of active pods towards what the Job wants; returns the active count
 * after the writes and the first write error.
 */
export async function manageJob(
  deps: SyncDeps,
  ctx: SyncContext,
): Promise<{ active: number; err?: unknown }> {
  const job = ctx.job
  const active = ctx.activePods.length
  if (job.spec?.suspend) return removeSurplus(deps, ctx, activePodsForRemoval(job, ctx.activePods, active))
  const want = wantedActive(job, ctx)
  const surplus = activePodsForRemoval(job, ctx.activePods, Math.max(0, active - want))
  // Deleting and creating in one sync could fight; deletion wins, as upstream.
  if (surplus.length > 0) return removeSurplus(deps, ctx, surplus.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC))
  const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0
  const diff = Math.min(want - terminating - active, MAX_POD_CREATE_DELETE_PER_SYNC)
  if (diff <= 0) return { active }
  if (!hasBackoffLimitPerIndex(job)) {
    const wait = remainingTime(ctx.newBackoffRecord, deps.now())
    if (wait > 0) {
      requeueAfter(ctx, wait)
      return { active }
    }
  }
  let indexes: number[] = Array.from({ length: diff }, () => UNKNOWN_INDEX)
  if (isIndexed(job)) {
    const r = indexesToCreate(deps, ctx, diff)
    if (r.waitMs > 0) {
      requeueAfter(ctx, r.waitMs)
      return { active }
    }
    indexes = r.indexes
  }
  const r = await createPods(deps, ctx, indexes)
  return { active: active + r.created, ...(r.err !== undefined ? { err: r.err } : {}) }
}

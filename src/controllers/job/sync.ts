/**
 * One sync of one Job (upstream's syncJob): count its pods, decide whether it failed (backoff
 * limit, deadline, pod failure policy, failed indexes) or succeeded (completions, success
 * policy), otherwise keep the right pods running or none while suspended, then track the
 * results into status.
 */
import type { Job, Pod } from "./types.ts"
import { claimPods } from "./claim.ts"
import { decideFailure, decideIndexes } from "./decide.ts"
import { ensureCondition, findCondition, isJobFinished, newCondition } from "./conditions.ts"
import type { SyncContext, SyncDeps } from "./context.ts"
import { completionsOf } from "./indexed.ts"
import { deleteActivePods, manageJob, removeTrackingFinalizer } from "./manage.ts"
import { matchPodFailurePolicy } from "./policies.ts"
import {
  UNKNOWN_INDEX,
  completionIndexOf,
  hasTrackingFinalizer,
  isActive,
  isIndexed,
  isPodFailed,
  isTerminating,
} from "./pods.ts"
import { trackStatusAndRemoveFinalizers } from "./tracking.ts"
import { controllerOf, isPodReady, parseKey } from "../../api/index.ts"
import { rfc3339 } from "../../util/index.ts"

function stamp(now: number): string {
  return rfc3339(now)
}

function newlyFinished(ctx: SyncContext): { succeeded: Pod[]; failed: Pod[] } {
  const succeeded: Pod[] = []
  const failed: Pod[] = []
  const indexed = isIndexed(ctx.job)
  const completions = completionsOf(ctx.job)
  for (const p of ctx.pods) {
    const uid = p.metadata?.uid ?? ""
    if (!hasTrackingFinalizer(p) || ctx.expectedRmFinalizers.has(uid)) continue
    if (indexed) {
      const ix = completionIndexOf(p)
      if (ix === UNKNOWN_INDEX || ix >= completions) continue
    }
    if (p.status?.phase === "Succeeded" && !ctx.uncounted.succeeded.has(uid)) succeeded.push(p)
    else if (isPodFailed(p, ctx.job) && !ctx.uncounted.failed.has(uid)) failed.push(p)
  }
  return { succeeded, failed }
}

/** The Job's pods, and the finalizer removals that were in flight just before they were read. */
interface Observed {
  readonly pods: readonly Pod[]
  readonly expectedRmFinalizers: ReadonlySet<string>
}

function newContext(deps: SyncDeps, key: string, job: Job, seen: Observed): SyncContext {
  const pods = seen.pods
  const activePods = pods.filter(isActive)
  const u = job.status?.uncountedTerminatedPods
  const ctx: SyncContext = {
    key,
    job,
    pods,
    activePods,
    ready: activePods.filter(isPodReady).length,
    terminating: pods.filter(isTerminating).length,
    uncounted: { succeeded: new Set(u?.succeeded ?? []), failed: new Set(u?.failed ?? []) },
    expectedRmFinalizers: seen.expectedRmFinalizers,
    succeeded: 0,
    failed: 0,
    prevSucceededIndexes: [],
    succeededIndexes: [],
    podsWithDelayedDeletion: new Map(),
    newBackoffRecord: { failuresAfterLastSuccess: 0 },
  }
  const fresh = newlyFinished(ctx)
  const policy = job.spec?.podFailurePolicy
  const countedFailures = fresh.failed.filter((p) => matchPodFailurePolicy(policy, p).countFailed).length
  ctx.succeeded = (job.status?.succeeded ?? 0) + fresh.succeeded.length + ctx.uncounted.succeeded.size
  ctx.failed = (job.status?.failed ?? 0) + countedFailures + ctx.uncounted.failed.size
  ctx.newBackoffRecord = deps.backoff.next(key, fresh.succeeded, fresh.failed, deps.now())
  return ctx
}

/** Sets or clears the Suspended condition; true when it changed. */
function updateSuspended(deps: SyncDeps, ctx: SyncContext): boolean {
  const job = ctx.job
  const now = deps.now()
  if (job.spec?.suspend) {
    const changed = ensureCondition(
      job,
      { type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended" },
      now,
    )
    if (changed) deps.recorder.event(job, "Normal", "Suspended", "Job suspended")
    return changed
  }
  const changed = ensureCondition(
    job,
    { type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed" },
    now,
  )
  if (changed) {
    deps.recorder.event(job, "Normal", "Resumed", "Job resumed")
    // The deadline counts the time the Job runs without a break: start again on resume.
    ;(job.status ??= {}).startTime = stamp(now)
  }
  return changed
}

function isComplete(job: Job, succeeded: number, active: number): boolean {
  const completions = job.spec?.completions
  // Without completions, one success is enough once the rest have finished.
  if (completions === undefined || completions === null) return succeeded > 0 && active === 0
  return succeeded >= completions && active === 0
}

/**
 * Removes the tracking finalizer from pods whose Job named by `key` is gone or finished (or
 * was replaced: a uid other than `liveUid`), so they can be deleted.
 */
async function releaseOrphans(deps: SyncDeps, key: string, liveUid: string | undefined): Promise<void> {
  const { namespace, name } = parseKey(key)
  const orphans = deps.pods.list(namespace).filter((p) => {
    const ref = controllerOf(p)
    return (
      ref?.kind === "Job" &&
      ref.apiVersion === "batch/v1" &&
      ref.name === name &&
      ref.uid !== liveUid &&
      hasTrackingFinalizer(p)
    )
  })
  const done = await Promise.all(orphans.map((p) => removeTrackingFinalizer(deps, p)))
  if (done.some((d) => !d))
    throw new Error(`Cannot remove the job-tracking finalizer of orphan pods of Job "${key}"`)
}

/** Handles a Job that is gone, managed elsewhere or finished; true when the sync ends there. */
async function isSettled(deps: SyncDeps, key: string, job: Job | undefined): Promise<boolean> {
  if (!job) {
    deps.expectations.delete(key)
    deps.backoff.delete(key)
    await releaseOrphans(deps, key, undefined)
    return true
  }
  if (job.spec?.managedBy && job.spec.managedBy !== "kubernetes.io/job-controller") return true
  if (isJobFinished(job)) {
    deps.backoff.delete(key)
    await releaseOrphans(deps, key, undefined)
    return true
  }
  await releaseOrphans(deps, key, job.metadata?.uid)
  return false
}

/** Keeps the pods converging (or the Job suspended); returns the active count, change and error. */
async function runJob(
  deps: SyncDeps,
  ctx: SyncContext,
  satisfied: boolean,
): Promise<{ active: number; suspendChanged: boolean; err?: unknown }> {
  const job = ctx.job
  let active = ctx.activePods.length
  let err: unknown
  const managed = satisfied && !job.metadata?.deletionTimestamp
  if (managed) {
    const r = await manageJob(deps, ctx)
    active = r.active
    err = r.err
  }
  let suspendChanged = false
  if (isComplete(job, ctx.succeeded, active)) {
    ctx.finishedCondition = newCondition(
      "SuccessCriteriaMet",
      "True",
      "CompletionsReached",
      "Reached expected number of succeeded pods",
      deps.now(),
    )
  } else if (managed) suspendChanged = updateSuspended(deps, ctx)
  return { active, suspendChanged, ...(err !== undefined ? { err } : {}) }
}

/** Syncs the Job named `key`; returns how long to wait before the next sync, if it asks for one. */
export async function syncJob(deps: SyncDeps, key: string): Promise<number | undefined> {
  const cached = deps.written.freshest(key, deps.jobs.get(key))
  if (await isSettled(deps, key, cached)) return undefined
  const job = structuredClone(cached) as Job
  const status = (job.status ??= {})
  status.uncountedTerminatedPods ??= {}
  const satisfied = deps.expectations.satisfied(key)
  // Removals in flight first, pods second: a removal the cache has shown since is then in the
  // pods read (no finalizer), never missing from both (which would count the pod twice).
  const expectedRmFinalizers = new Set(deps.expectations.finalizersPending(key))
  const ctx = newContext(deps, key, job, { pods: await claimPods(deps, job), expectedRmFinalizers })
  const startChanged = !status.startTime && !job.spec?.suspend
  if (startChanged) status.startTime = stamp(deps.now())
  const successMet = findCondition(job, "SuccessCriteriaMet")
  if (successMet?.status === "True") ctx.finishedCondition = successMet
  else decideFailure(deps, ctx)
  decideIndexes(deps, ctx)
  let r: { active: number; suspendChanged: boolean; err?: unknown }
  if (ctx.finishedCondition) {
    const d = await deleteActivePods(deps, ctx)
    // Not finished while pods may remain, or the cache may lack some.
    if (d.deleted !== ctx.activePods.length || !satisfied) ctx.finishedCondition = undefined
    r = { active: ctx.activePods.length - d.deleted, suspendChanged: false, err: d.err }
  } else r = await runJob(deps, ctx, satisfied)
  const needsFlush =
    startChanged ||
    r.suspendChanged ||
    r.active !== (status.active ?? 0) ||
    ctx.ready !== status.ready ||
    ctx.terminating !== status.terminating
  status.active = r.active
  status.ready = ctx.ready
  status.terminating = ctx.terminating
  await trackStatusAndRemoveFinalizers(deps, ctx, needsFlush)
  if (r.err !== undefined) throw r.err
  return ctx.requeueAfterMs
}

/**
 * Finalizer-based tracking, so no pod's result is lost: finished pods go into
 * status.uncountedTerminatedPods first, their finalizers are removed next, and only then are
 * they moved into the succeeded and failed counters. The terminal condition is added once
 * nothing is uncounted and no pod is still terminating.
 */
import type { JobCondition } from "kubernetes-types/batch/v1.js"
import type { Job, Pod } from "./types.ts"
import { Jobs, keyOf } from "../../api/index.ts"
import { rfc3339 } from "../../util/index.ts"
import { ensureCondition, findCondition, newCondition } from "./conditions.ts"
import type { SyncContext, SyncDeps } from "./context.ts"
import { formatIntervals, hasIndex, withIndexes } from "./intervals.ts"
import { completionsOf } from "./indexed.ts"
import { removeTrackingFinalizer } from "./manage.ts"
import { matchPodFailurePolicy } from "./policies.ts"
import { UNKNOWN_INDEX, completionIndexOf, hasTrackingFinalizer, isIndexed, isPodFailed } from "./pods.ts"

/** How many pods one sync moves through uncountedTerminatedPods at most. */
export const MAX_UNCOUNTED_PODS = 500

function uncountedOf(job: Job): { succeeded: string[]; failed: string[] } {
  const status = (job.status ??= {})
  const u = (status.uncountedTerminatedPods ??= {})
  return { succeeded: (u.succeeded ??= []), failed: (u.failed ??= []) }
}

/** Moves uncounted pods whose finalizer is gone into the counters; true when anything moved. */
function cleanUncounted(job: Job, withFinalizer: ReadonlySet<string>): boolean {
  const status = (job.status ??= {})
  const u = (status.uncountedTerminatedPods ??= {})
  let changed = false
  const s = (u.succeeded ?? []).filter((uid) => withFinalizer.has(uid))
  if (s.length !== (u.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded ?? []).length - s.length
    u.succeeded = s
    changed = true
  }
  const f = (u.failed ?? []).filter((uid) => withFinalizer.has(uid))
  if (f.length !== (u.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (u.failed ?? []).length - f.length
    u.failed = f
    changed = true
  }
  return changed
}

/** True when the pod's finalizer may go now. */
function canRemoveFinalizer(ctx: SyncContext, pod: Pod, failed: boolean): boolean {
  if (ctx.job.metadata?.deletionTimestamp || ctx.finishedCondition || pod.status?.phase === "Succeeded")
    return true
  if (!failed) return false
  const ix = completionIndexOf(pod)
  // The latest failed pod of an index stays until its replacement carries the failure count on.
  const delayed = ix !== UNKNOWN_INDEX ? ctx.podsWithDelayedDeletion.get(ix) : undefined
  return !delayed || delayed.metadata?.uid !== pod.metadata?.uid
}

function isValidIndexedPod(job: Job, pod: Pod): boolean {
  const ix = completionIndexOf(pod)
  return ix !== UNKNOWN_INDEX && ix < completionsOf(job)
}

interface Collected {
  readonly toRemove: Pod[]
  readonly newSucceededIndexes: number[]
  readonly flush: boolean
  readonly capped: boolean
}

/** Records one finished pod as uncounted (or its index as succeeded); true when status changed. */
function countPod(ctx: SyncContext, pod: Pod, failed: boolean, fresh: number[]): boolean {
  const job = ctx.job
  const uid = pod.metadata?.uid ?? ""
  const uncounted = uncountedOf(job)
  const indexed = isIndexed(job)
  if (pod.status?.phase === "Succeeded" && !ctx.uncounted.failed.has(uid)) {
    if (!indexed) {
      if (ctx.uncounted.succeeded.has(uid)) return false
      uncounted.succeeded.push(uid)
      return true
    }
    // The completion index is enough to avoid counting a success twice.
    const ix = completionIndexOf(pod)
    if (!isValidIndexedPod(job, pod) || hasIndex(ctx.prevSucceededIndexes, ix)) return false
    fresh.push(ix)
    return true
  }
  // Once the Job is finishing, every pod not succeeded counts as failed.
  const finishing = !!ctx.finishedCondition && ctx.finishedCondition.type !== "SuccessCriteriaMet"
  if (!failed && !finishing) return false
  if (ctx.uncounted.failed.has(uid) || (indexed && !isValidIndexedPod(job, pod))) return false
  if (!matchPodFailurePolicy(job.spec?.podFailurePolicy, pod).countFailed) return false
  uncounted.failed.push(uid)
  return true
}

/** Records newly finished pods as uncounted and picks the pods whose finalizer goes. */
function collectFinished(ctx: SyncContext): Collected {
  const job = ctx.job
  const uncounted = uncountedOf(job)
  const toRemove: Pod[] = []
  const newSucceededIndexes: number[] = []
  let flush = false
  let capped = false
  const pods = isIndexed(job)
    ? [...ctx.pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b))
    : ctx.pods
  for (const pod of pods) {
    if (!hasTrackingFinalizer(pod) || ctx.expectedRmFinalizers.has(pod.metadata?.uid ?? "")) continue
    const failed = isPodFailed(pod, job)
    if (!canRemoveFinalizer(ctx, pod, failed)) continue
    toRemove.push(pod)
    if (countPod(ctx, pod, failed, newSucceededIndexes)) flush = true
    const pending = newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length
    // Bound the status size and this sync's work; the status write brings the Job back.
    if (pending >= MAX_UNCOUNTED_PODS) {
      capped = true
      break
    }
  }
  return { toRemove, newSucceededIndexes, flush, capped }
}

/** Writes indexed progress into the status; true when it changed. */
function updateIndexes(ctx: SyncContext, fresh: readonly number[]): boolean {
  const status = (ctx.job.status ??= {})
  let changed = false
  ctx.succeededIndexes = withIndexes(ctx.succeededIndexes, fresh)
  const completed = formatIntervals(ctx.succeededIndexes)
  if (completed !== (status.completedIndexes ?? "")) changed = true
  // Empty is left out, as upstream's JSON leaves it.
  if (completed) status.completedIndexes = completed
  else delete status.completedIndexes
  status.succeeded = ctx.succeededIndexes.reduce((n, v) => n + v.last - v.first + 1, 0)
  const failed = ctx.failedIndexes ? formatIntervals(ctx.failedIndexes) : undefined
  if (failed !== status.failedIndexes) {
    if (failed === undefined) delete status.failedIndexes
    else status.failedIndexes = failed
    changed = true
  }
  return changed
}

/** Adds interim conditions and turns the finished condition into the terminal one to add later. */
function addInterimConditions(ctx: SyncContext, now: number): boolean {
  const fin = ctx.finishedCondition
  if (!fin) return false
  const conditions = ((ctx.job.status ??= {}).conditions ??= [])
  if (fin.type === "FailureTarget") {
    conditions.push(fin)
    ctx.finishedCondition = newCondition("Failed", "True", fin.reason ?? "", fin.message ?? "", now)
    return true
  }
  if (fin.type === "SuccessCriteriaMet") {
    let added = false
    if (!findCondition(ctx.job, "SuccessCriteriaMet")) {
      conditions.push(fin)
      added = true
    }
    ctx.finishedCondition = newCondition("Complete", "True", fin.reason ?? "", fin.message ?? "", now)
    return added
  }
  return false
}

async function updateStatus(deps: SyncDeps, job: Job): Promise<Job> {
  // Empty lists and zero counters are left out, as upstream's JSON leaves them.
  const status = job.status ?? {}
  const u = status.uncountedTerminatedPods
  if (u && !u.succeeded?.length) delete u.succeeded
  if (u && !u.failed?.length) delete u.failed
  if (!status.active) delete status.active
  if (!status.succeeded) delete status.succeeded
  if (!status.failed) delete status.failed
  const written = (await deps.client.resource(Jobs).updateStatus(job as never)) as Job
  deps.written.remember(keyOf(written), written)
  return written
}

/** Adds the terminal condition when nothing is uncounted or terminating; true when it did. */
function enactJobFinished(ctx: SyncContext, now: number): boolean {
  const fin: JobCondition | undefined = ctx.finishedCondition
  if (!fin) return false
  const u = ctx.job.status?.uncountedTerminatedPods
  if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false
  if (ctx.terminating > 0) return false
  const cond = {
    type: fin.type as "Complete" | "Failed",
    status: "True" as const,
    reason: fin.reason ?? "",
    message: fin.message ?? "",
  }
  ensureCondition(ctx.job, cond, now)
  if (fin.type === "Complete") {
    const status = (ctx.job.status ??= {})
    status.completionTime = findCondition(ctx.job, "Complete")?.lastTransitionTime ?? rfc3339(now)
  }
  return true
}

function recordFinished(deps: SyncDeps, job: Job, fin: JobCondition): void {
  if (fin.type === "Complete") {
    const completions = job.spec?.completions
    if (completions !== undefined && completions !== null && (job.status?.succeeded ?? 0) > completions) {
      deps.recorder.event(
        job,
        "Warning",
        "TooManySucceededPods",
        "Too many succeeded pods running after completion count reached",
      )
    }
    deps.recorder.event(job, "Normal", "Completed", "Job completed")
  } else deps.recorder.event(job, "Warning", fin.reason ?? "", fin.message ?? "")
}

/** Removes the finalizers of `pods`, dropping each removed one from `withFinalizer`. */
async function removeFinalizers(
  deps: SyncDeps,
  ctx: SyncContext,
  pods: readonly Pod[],
  withFinalizer: Set<string>,
): Promise<Error | undefined> {
  if (pods.length === 0) return undefined
  deps.expectations.expectFinalizersRemoved(
    ctx.key,
    pods.map((p) => p.metadata?.uid ?? ""),
  )
  const done = await Promise.all(pods.map((p) => removeTrackingFinalizer(deps, p)))
  pods.forEach((p, i) => {
    const uid = p.metadata?.uid ?? ""
    if (done[i]) withFinalizer.delete(uid)
    else deps.expectations.finalizerObserved(ctx.key, uid)
  })
  return done.every(Boolean)
    ? undefined
    : new Error(`Cannot remove the job-tracking finalizer of some pods of Job "${ctx.key}"`)
}

/**
 * Counts finished pods through uncountedTerminatedPods, removes their finalizers, writes the
 * status when anything changed (or `needsFlush`), and finishes the Job when it can.
 * @throws the first error of a status write or finalizer removal (the sync retries)
 */
export async function trackStatusAndRemoveFinalizers(
  deps: SyncDeps,
  ctx: SyncContext,
  needsFlush: boolean,
): Promise<void> {
  const now = deps.now()
  const withFinalizer = new Set<string>()
  for (const p of ctx.pods) {
    const uid = p.metadata?.uid ?? ""
    if (hasTrackingFinalizer(p) && !ctx.expectedRmFinalizers.has(uid)) withFinalizer.add(uid)
  }
  let flush = cleanUncounted(ctx.job, withFinalizer) || needsFlush
  const c = collectFinished(ctx)
  flush ||= c.flush
  if (isIndexed(ctx.job) && updateIndexes(ctx, c.newSucceededIndexes)) flush = true
  if (addInterimConditions(ctx, now)) flush = true
  // 1. Record the uncounted pods (and interim conditions) before any finalizer goes.
  if (flush) {
    ctx.job = await updateStatus(deps, ctx.job)
    deps.backoff.set(ctx.key, ctx.newBackoffRecord)
    flush = false
  }
  // 2. Remove the finalizers, 3. move what went into the counters.
  const rmErr = await removeFinalizers(deps, ctx, c.toRemove, withFinalizer)
  if (cleanUncounted(ctx.job, withFinalizer)) flush = true
  const finished = !c.capped && !rmErr && enactJobFinished(ctx, now)
  if (finished) flush = true
  if (flush) ctx.job = await updateStatus(deps, ctx.job)
  if (finished && ctx.finishedCondition) {
    recordFinished(deps, ctx.job, ctx.finishedCondition)
    deps.backoff.delete(ctx.key)
  }
  if (rmErr) throw rmErr
}

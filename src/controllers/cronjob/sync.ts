/**
 * One sync of one CronJob (upstream's cronjob controller v2): reconcile status.active with the
 * Jobs that exist, delete Jobs beyond the history limits, then start the Job of the most
 * recent missed schedule unless suspended, too late, already started or forbidden by the
 * concurrency policy, and say when to look again.
 */
import { CronJobs, Jobs, controllerOf, isAlreadyExists, isNotFound } from "../../api/index.ts"
import type { Cache, Client, EventRecorder, WrittenObjects } from "../../client/index.ts"
import { type Logger, rfc3339 } from "../../util/index.ts"
import {
  cleanupFinishedJobs,
  deleteJob,
  finishedType,
  isActiveUid,
  jobFromTemplate,
  jobNameFor,
  refOf,
  removeActive,
} from "./jobs.ts"
import { MANY_MISSED, type Schedule, mostRecentScheduleTime, parseSchedule } from "./schedule.ts"
import type { CronJob, Job } from "./types.ts"

/** How long after a schedule time the controller looks again (upstream's nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100

/** What the CronJob syncer is built from. */
export interface CronSyncDeps {
  readonly client: Client
  readonly cronJobs: Cache<CronJob>
  readonly jobs: Cache<Job>
  readonly now: () => number
  readonly recorder: EventRecorder
  readonly log: Logger
  /** The last status each sync wrote, until the cache catches up. */
  readonly written: WrittenObjects<CronJob>
}

/** Accounts for one of the CronJob's Jobs in its status; true when status changed. */
function reconcileJob(deps: CronSyncDeps, cj: CronJob, j: Job): boolean {
  const uid = j.metadata?.uid
  const name = j.metadata?.name ?? ""
  const done = finishedType(j)
  const listed = isActiveUid(cj, uid)
  if (!listed && !done) {
    deps.recorder.event(
      cj,
      "Warning",
      "UnexpectedJob",
      `Saw a job that the controller did not create or forgot: ${name}`,
    )
    return false
  }
  if (listed && done) {
    removeActive(cj, uid)
    deps.recorder.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${name}, condition: ${done}`)
    return true
  }
  // A finished Job need not be listed: its completion still counts.
  const at = done ? j.status?.completionTime : undefined
  const status = (cj.status ??= {})
  if (!at || (status.lastSuccessfulTime && Date.parse(at) <= Date.parse(status.lastSuccessfulTime)))
    return false
  status.lastSuccessfulTime = at
  return true
}

/** Drops listed Jobs the API no longer has; true when status changed. */
async function dropMissing(deps: CronSyncDeps, cj: CronJob, jobs: readonly Job[]): Promise<boolean> {
  let changed = false
  const present = new Set(jobs.map((j) => j.metadata?.uid))
  for (const ref of [...(cj.status?.active ?? [])]) {
    if (present.has(ref.uid)) continue
    // Gone from the cache: confirm with the API before dropping it.
    try {
      await deps.client.resource(Jobs).get({ namespace: ref.namespace ?? "", name: ref.name ?? "" })
    } catch (err) {
      if (!isNotFound(err)) throw err
      deps.recorder.event(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name ?? ""}`)
      removeActive(cj, ref.uid)
      changed = true
    }
  }
  return changed
}

/** Reconciles status.active with the Jobs that exist; true when status changed. */
async function reconcileActive(deps: CronSyncDeps, cj: CronJob, jobs: readonly Job[]): Promise<boolean> {
  let changed = false
  for (const j of jobs) if (reconcileJob(deps, cj, j)) changed = true
  return (await dropMissing(deps, cj, jobs)) || changed
}

/** When to look again: just after the activation following the most recent one. */
function untilNext(cj: CronJob, schedule: Schedule, now: number): number | undefined {
  const earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? "") || now
  let from: number
  try {
    from = mostRecentScheduleTime(schedule, earliest, now).mostRecent ?? earliest
  } catch {
    from = now // an odd schedule: aim for its next time from now
  }
  const next = schedule.next(from)
  return next === undefined ? undefined : Math.max(0, next + NEXT_SCHEDULE_DELTA_MS - now)
}

/** The schedule, or undefined after recording why it cannot be read. */
function scheduleOf(deps: CronSyncDeps, cj: CronJob): Schedule | undefined {
  const tz = cj.spec?.timeZone ?? undefined
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz })
    } catch (err) {
      deps.recorder.event(
        cj,
        "Warning",
        "UnknownTimeZone",
        `invalid timeZone: ${JSON.stringify(tz)}: ${String(err)}`,
      )
      return undefined
    }
  }
  const text = cj.spec?.schedule ?? ""
  if (text.includes("TZ")) {
    deps.recorder.event(
      cj,
      "Warning",
      "UnsupportedSchedule",
      `CRON_TZ or TZ used in schedule ${JSON.stringify(text)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
    )
  }
  try {
    return parseSchedule(text, tz)
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    deps.recorder.event(
      cj,
      "Warning",
      "UnparseableSchedule",
      `unparseable schedule: ${JSON.stringify(text)} : ${msg}`,
    )
    return undefined
  }
}

/** The scheduled time to start a Job for now, if any (undefined also after an event explains why not). */
function dueTime(deps: CronSyncDeps, cj: CronJob, schedule: Schedule, now: number): number | undefined {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? "") || now
  const deadline = cj.spec?.startingDeadlineSeconds
  if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000)
  let r
  try {
    r = mostRecentScheduleTime(schedule, earliest, now)
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    deps.recorder.event(
      cj,
      "Warning",
      "InvalidSchedule",
      `invalid schedule: ${cj.spec?.schedule ?? ""} : ${msg}`,
    )
    return undefined
  }
  if (r.mostRecent === undefined || r.mostRecent > now) return undefined
  if (r.missed > MANY_MISSED) {
    deps.recorder.event(
      cj,
      "Warning",
      "TooManyMissedTimes",
      "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
    )
  }
  return r.mostRecent
}

/** Whether the concurrency policy lets a new Job start; Replace deletes the running ones first. */
async function makeRoom(deps: CronSyncDeps, cj: CronJob): Promise<boolean> {
  const active = cj.status?.active ?? []
  if (active.length === 0) return true
  const policy = cj.spec?.concurrencyPolicy ?? "Allow"
  if (policy === "Forbid") {
    deps.recorder.event(
      cj,
      "Normal",
      "JobAlreadyActive",
      "Not starting job because prior execution is running and concurrency policy is Forbid",
    )
    return false
  }
  if (policy !== "Replace") return true
  for (const ref of [...active]) {
    const key = `${ref.namespace ?? ""}/${ref.name ?? ""}`
    const job = deps.jobs.get(key)
    if (!job) {
      deps.recorder.event(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name ?? ""}`)
      removeActive(cj, ref.uid)
      continue
    }
    if (!(await deleteJob(deps, cj, job))) return false
  }
  return true
}

/** Creates the Job for `scheduled`; true when status changed. */
async function startJob(deps: CronSyncDeps, cj: CronJob, scheduled: number): Promise<boolean> {
  let job: Job
  try {
    job = (await deps.client.resource(Jobs).create(jobFromTemplate(cj, scheduled) as never)) as Job
  } catch (err) {
    // Someone else created it (a previous sync whose status write was lost): it is in the list next time.
    if (isAlreadyExists(err)) return false
    deps.recorder.event(
      cj,
      "Warning",
      "FailedCreate",
      `Error creating job: ${err instanceof Error ? err.message : String(err)}`,
    )
    throw err
  }
  deps.recorder.event(cj, "Normal", "SuccessfulCreate", `Created job ${job.metadata?.name ?? ""}`)
  const status = (cj.status ??= {})
  status.active = [...(status.active ?? []), refOf(job)]
  status.lastScheduleTime = rfc3339(scheduled)
  return true
}

/** True when the Job of `scheduled` must not start: too late, or already started. */
function isSkipped(deps: CronSyncDeps, cj: CronJob, scheduled: number, now: number): boolean {
  const deadline = cj.spec?.startingDeadlineSeconds
  if (deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now) {
    deps.recorder.event(
      cj,
      "Warning",
      "MissSchedule",
      `Missed scheduled time to start a job: ${new Date(scheduled).toUTCString()}`,
    )
    return true
  }
  const name = jobNameFor(cj, scheduled)
  const last = cj.status?.lastScheduleTime
  return !!cj.status?.active?.some((r) => r.name === name) || (!!last && Date.parse(last) === scheduled)
}

/** Starts the due Job, if any; returns whether status changed and when to look again. */
async function schedule(deps: CronSyncDeps, cj: CronJob): Promise<{ changed: boolean; after?: number }> {
  if (cj.metadata?.deletionTimestamp || cj.spec?.suspend) return { changed: false }
  const sched = scheduleOf(deps, cj)
  if (!sched) return { changed: false }
  const now = deps.now()
  const next = () => {
    const after = untilNext(cj, sched, now)
    return after === undefined ? {} : { after }
  }
  const scheduled = dueTime(deps, cj, sched, now)
  if (scheduled === undefined || isSkipped(deps, cj, scheduled, now)) return { changed: false, ...next() }
  const activeBefore = cj.status?.active?.length ?? 0
  if (!(await makeRoom(deps, cj)))
    return { changed: activeBefore !== (cj.status?.active?.length ?? 0), ...next() }
  await startJob(deps, cj, scheduled)
  return { changed: true, ...next() }
}

/** Syncs the CronJob named `key`; returns how long to wait before the next sync, if any. */
export async function syncCronJob(deps: CronSyncDeps, key: string): Promise<number | undefined> {
  const cached = deps.written.freshest(key, deps.cronJobs.get(key))
  if (!cached) return undefined
  const cj = structuredClone(cached) as CronJob
  const uid = cj.metadata?.uid
  const jobs = deps.jobs.list(cj.metadata?.namespace).filter((j) => controllerOf(j)?.uid === uid)
  let changed = await cleanupFinishedJobs(deps, cj, jobs)
  if (await reconcileActive(deps, cj, jobs)) changed = true
  const r = await schedule(deps, cj)
  if (r.changed) changed = true
  if (changed) {
    const written = (await deps.client.resource(CronJobs).updateStatus(cj as never)) as CronJob
    deps.written.remember(key, written)
  }
  return r.after
}

/**
 * A CronJob's Jobs: the Job for one scheduled time (a deterministic name, the scheduled-time
 * annotation, the controller reference), whether a Job finished and how, the active list, and
 * deleting Jobs beyond the history limits.
 */
import type { ObjectReference } from "kubernetes-types/core/v1.js"
import { controllerRef, CronJobs, Jobs, isNotFound } from "../../api/index.ts"
import type { Client, EventRecorder } from "../../client/index.ts"
import { rfc3339In } from "./times.ts"
import type { CronJob, Job } from "./types.ts"

/** The annotation recording which scheduled time a Job was created for. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"

/** The Job name for a scheduled time: `<cronjob>-<minutes since the epoch>`. */
export function jobNameFor(cj: CronJob, scheduled: number): string {
  return `${cj.metadata?.name ?? ""}-${Math.floor(scheduled / 60_000)}`
}

/** The Job a CronJob creates for `scheduled`. */
export function jobFromTemplate(cj: CronJob, scheduled: number): Job {
  const template = cj.spec?.jobTemplate
  const annotations: Record<string, string> = { ...(template?.metadata?.annotations ?? {}) }
  annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = rfc3339In(scheduled, cj.spec?.timeZone)
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobNameFor(cj, scheduled),
      namespace: cj.metadata?.namespace ?? "",
      labels: { ...(template?.metadata?.labels ?? {}) },
      annotations,
      ownerReferences: [controllerRef(cj, CronJobs)],
    },
    spec: structuredClone(template?.spec ?? ({} as NonNullable<Job["spec"]>)),
  }
}

/** "Complete" or "Failed" when the Job finished, else undefined. */
export function finishedType(job: Job): "Complete" | "Failed" | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") return c.type
  }
  return undefined
}

/** A reference to `job` for status.active. */
export function refOf(job: Job): ObjectReference {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    name: job.metadata?.name ?? "",
    namespace: job.metadata?.namespace ?? "",
    uid: job.metadata?.uid ?? "",
    resourceVersion: job.metadata?.resourceVersion ?? "",
  }
}

/** True when status.active lists a Job with that uid. */
export function isActiveUid(cj: CronJob, uid: string | undefined): boolean {
  return !!cj.status?.active?.some((r) => r.uid === uid)
}

/** Removes the Job with that uid from status.active. */
export function removeActive(cj: CronJob, uid: string | undefined): void {
  const status = (cj.status ??= {})
  status.active = (status.active ?? []).filter((r) => r.uid !== uid)
}

/** What deleting Jobs needs. */
export interface JobDeleter {
  readonly client: Client
  readonly recorder: EventRecorder
}

/** Deletes one of the CronJob's Jobs (its pods in the background); true when it went. */
export async function deleteJob(d: JobDeleter, cj: CronJob, job: Job): Promise<boolean> {
  const name = job.metadata?.name ?? ""
  try {
    await d.client
      .resource(Jobs)
      .delete({ namespace: job.metadata?.namespace ?? "", name }, { propagationPolicy: "Background" })
  } catch (err) {
    if (!isNotFound(err)) {
      d.recorder.event(
        cj,
        "Warning",
        "FailedDelete",
        `Deleted job: ${err instanceof Error ? err.message : String(err)}`,
      )
      return false
    }
  }
  removeActive(cj, job.metadata?.uid)
  d.recorder.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${name}`)
  return true
}

function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime
  const sb = b.status?.startTime
  if (!sa !== !sb) return sa ? -1 : 1
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb)
  return (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "")
}

async function removeOldest(d: JobDeleter, cj: CronJob, jobs: Job[], keep: number): Promise<boolean> {
  const surplus = jobs.length - keep
  if (surplus <= 0) return false
  let changed = false
  for (const job of [...jobs].sort(byStartTime).slice(0, surplus))
    if (await deleteJob(d, cj, job)) changed = true
  return changed
}

/** Deletes the oldest finished Jobs beyond the history limits; true when status changed. */
export async function cleanupFinishedJobs(
  d: JobDeleter,
  cj: CronJob,
  jobs: readonly Job[],
): Promise<boolean> {
  const okLimit = cj.spec?.successfulJobsHistoryLimit
  const failLimit = cj.spec?.failedJobsHistoryLimit
  if ((okLimit === undefined || okLimit === null) && (failLimit === undefined || failLimit === null))
    return false
  const ok = jobs.filter((j) => finishedType(j) === "Complete")
  const failed = jobs.filter((j) => finishedType(j) === "Failed")
  let changed = false
  if (okLimit !== undefined && okLimit !== null && (await removeOldest(d, cj, ok, okLimit))) changed = true
  if (failLimit !== undefined && failLimit !== null && (await removeOldest(d, cj, failed, failLimit)))
    changed = true
  return changed
}

/** Printers of the batch/v1 kinds: Job (with 1.35's STATUS column) and CronJob. */
import type { CronJob, Job, JobCondition } from "kubernetes-types/batch/v1.js"
import { DOCS } from "./descriptions.ts"
import {
  age,
  boolPtr,
  containerCells,
  formatLabelSelector,
  humanDuration,
  since,
  timestampMs,
} from "./format.ts"
import { AGE_COLUMN, CONTAINER_COLUMNS, NAME_COLUMN, column, wide, type Printer } from "./types.ts"

function hasCondition(conds: readonly JobCondition[] | undefined, type: string): boolean {
  const c = (conds ?? []).find((c) => c.type === type)
  return c?.status === "True"
}

/** STATUS: Complete, Failed, Terminating, Suspended, FailureTarget or Running, in that precedence. */
export function jobStatus(job: Job): string {
  const conds = job.status?.conditions
  if (hasCondition(conds, "Complete")) return "Complete"
  if (hasCondition(conds, "Failed")) return "Failed"
  if (job.metadata?.deletionTimestamp) return "Terminating"
  if (hasCondition(conds, "Suspended")) return "Suspended"
  if (hasCondition(conds, "FailureTarget")) return "FailureTarget"
  return "Running"
}

/** COMPLETIONS: `succeeded/completions`, or `succeeded/1 of parallelism` for work queues. */
export function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0
  const completions = job.spec?.completions
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`
  const parallelism = job.spec?.parallelism ?? 0
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`
}

/** DURATION: start to completion, or start to now while running; empty before start. */
export function jobDuration(job: Job, now: number): string {
  const start = job.status?.startTime
  if (!start) return ""
  const end = job.status?.completionTime ? timestampMs(job.status.completionTime) : now
  return humanDuration(end - timestampMs(start))
}

/** Jobs: NAME STATUS COMPLETIONS DURATION AGE | CONTAINERS IMAGES SELECTOR. */
export const jobPrinter: Printer<Job> = {
  columns: [
    NAME_COLUMN,
    column("Status", "string", "Status of the job."),
    column("Completions", "string", DOCS.jobSucceeded),
    column("Duration", "string", "Time required to complete the job."),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    wide("Selector", DOCS.jobSelector),
  ],
  cells: (job, { now }) => [
    job.metadata?.name ?? "",
    jobStatus(job),
    jobCompletions(job),
    jobDuration(job, now),
    age(job, now),
    ...containerCells(job.spec?.template?.spec?.containers),
    formatLabelSelector(job.spec?.selector),
  ],
}

/** CronJobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE | CONTAINERS IMAGES SELECTOR. */
export const cronJobPrinter: Printer<CronJob> = {
  columns: [
    NAME_COLUMN,
    column("Schedule", "string", DOCS.cronSchedule),
    column("Timezone", "string", DOCS.cronTimeZone),
    column("Suspend", "boolean", DOCS.cronSuspend),
    column("Active", "integer", DOCS.cronActive),
    column("Last Schedule", "string", DOCS.cronLastSchedule),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    wide("Selector", DOCS.jobSelector),
  ],
  cells(cj, { now }) {
    const last = cj.status?.lastScheduleTime
    const job = cj.spec?.jobTemplate?.spec
    return [
      cj.metadata?.name ?? "",
      cj.spec?.schedule ?? "",
      cj.spec?.timeZone ?? "<none>",
      boolPtr(cj.spec?.suspend),
      (cj.status?.active ?? []).length,
      last ? since(last, now) : "<none>",
      age(cj, now),
      ...containerCells(job?.template?.spec?.containers),
      formatLabelSelector(job?.selector),
    ]
  },
}

/**
 * Defaults of Jobs and CronJobs (batch/v1 defaults.go), and the selector and labels the Job
 * strategy generates on create (`batch.kubernetes.io/controller-uid` and friends), once the Job
 * has its uid.
 */
import type { CronJob, Job } from "kubernetes-types/batch/v1.js"
import { defaultPodTemplateSpec } from "./pod.ts"

type Obj = Record<string, any>

/** The label that ties a Job's pods to it. */
export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
/** The label that names a pod's Job. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name"

function defaultJobSpec(s: Obj): void {
  if (s.completions === undefined && s.parallelism === undefined) s.completions = 1
  s.parallelism ??= 1
  s.backoffLimit ??= s.backoffLimitPerIndex !== undefined ? 2147483647 : 6
  if (!s.completionMode) s.completionMode = "NonIndexed"
  s.suspend ??= false
  for (const rule of s.podFailurePolicy?.rules ?? []) {
    for (const c of rule.onPodConditions ?? []) if (!c.status) c.status = "True"
  }
  if (!s.podReplacementPolicy) s.podReplacementPolicy = s.podFailurePolicy ? "Failed" : "TerminatingOrFailed"
  defaultPodTemplateSpec(s.template)
}

/**
 * Adds the generated selector and template labels a Job without `manualSelector` gets on
 * create (upstream's jobStrategy.PrepareForCreate); needs `metadata.uid`. Labels the user set
 * are kept (validation then rejects conflicts), and the Job's own labels come from its template
 * when it has none.
 */
export function generateJobSelector(job: Job): void {
  const meta = (job.metadata ?? {}) as Obj
  const spec = (job.spec ?? {}) as Obj
  if (spec.manualSelector === true || !meta.uid) return
  const template = (spec.template ??= {})
  const labels = ((template.metadata ??= {}).labels ??= {})
  for (const k of ["job-name", JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = meta.name ?? ""
  for (const k of ["controller-uid", CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = meta.uid
  const matchLabels = ((spec.selector ??= {}).matchLabels ??= {})
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = meta.uid
  if (!Object.keys(meta.labels ?? {}).length) meta.labels = { ...labels }
}

/** Job defaults (the selector is the registry's: generateJobSelector). */
export function defaultJob(job: Job): void {
  const spec = (job.spec ??= {} as NonNullable<Job["spec"]>) as Obj
  const meta = (job.metadata ??= {}) as Obj
  const templateLabels = spec.template?.metadata?.labels
  if (templateLabels && !Object.keys(meta.labels ?? {}).length) meta.labels = { ...templateLabels }
  defaultJobSpec(spec)
  spec.manualSelector ??= false
}

/** CronJob defaults: Allow concurrency, not suspended, 3 successful and 1 failed Jobs kept. */
export function defaultCronJob(cj: CronJob): void {
  const s = (cj.spec ??= {} as NonNullable<CronJob["spec"]>) as Obj
  if (!s.concurrencyPolicy) s.concurrencyPolicy = "Allow"
  s.suspend ??= false
  s.successfulJobsHistoryLimit ??= 3
  s.failedJobsHistoryLimit ??= 1
  // The template's job spec gets only its pod template's defaults, as upstream
  defaultPodTemplateSpec(s.jobTemplate?.spec?.template)
}

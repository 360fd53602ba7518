/**
 * CronJobs (batch validation): a parseable schedule without TZ prefixes, a real time zone,
 * a concurrency policy, history limits and a job template without a selector.
 */
import type { CronJob, CronJobSpec, JobSpec } from "kubernetes-types/batch/v1.js"
import type { FieldError } from "../errors.ts"
import { invalidValue, notSupported, required } from "../field-errors.ts"
import { nonNegative } from "./_field.ts"
import { cronScheduleError, isTimeZone } from "./cron.ts"
import { validateJobSpecCommon } from "./job-spec.ts"
import { nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"
import { validateEnum } from "./pod-spec.ts"

const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/

function validateTimeZone(tz: string | undefined): FieldError[] {
  if (tz === undefined || tz === null) return []
  const field = "spec.timeZone"
  if (tz === "") return [invalidValue(field, tz, "timeZone must be nil or non-empty string")]
  for (const part of tz.split("/")) {
    if (part === "." || part === ".." || part.startsWith("-") || !TZ_PART.test(part)) {
      return [invalidValue(field, tz, `unknown time zone ${tz}`)]
    }
  }
  const errs: FieldError[] = []
  if (tz.toLowerCase() === "local") {
    errs.push(
      invalidValue(
        field,
        tz,
        "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
      ),
    )
  } else if (!isTimeZone(tz)) errs.push(invalidValue(field, tz, `unknown time zone ${tz}`))
  return errs
}

function validateSpec(spec: CronJobSpec, old: CronJobSpec | undefined): FieldError[] {
  const errs: FieldError[] = []
  if (!spec.schedule) errs.push(required("spec.schedule", ""))
  else {
    const msg = cronScheduleError(spec.schedule)
    if (msg) errs.push(invalidValue("spec.schedule", spec.schedule, msg))
    const allowTz = !!old?.schedule?.includes("TZ")
    if (allowTz && spec.schedule.includes("TZ") && spec.timeZone !== undefined) {
      errs.push(
        invalidValue(
          "spec.schedule",
          spec.schedule,
          "cannot use both timeZone field and TZ or CRON_TZ in schedule",
        ),
      )
    } else if (!allowTz && spec.schedule.includes("TZ")) {
      errs.push(
        invalidValue(
          "spec.schedule",
          spec.schedule,
          "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
        ),
      )
    }
  }
  errs.push(...nonNegative("spec.startingDeadlineSeconds", spec.startingDeadlineSeconds))
  if (!old || (old.timeZone ?? null) !== (spec.timeZone ?? null))
    errs.push(...validateTimeZone(spec.timeZone))
  errs.push(...validateEnum(spec.concurrencyPolicy, ["Allow", "Forbid", "Replace"], "spec.concurrencyPolicy"))
  const jobSpec = spec.jobTemplate?.spec ?? ({} as JobSpec)
  errs.push(...validateJobSpecCommon(jobSpec, "spec.jobTemplate.spec"))
  if (jobSpec.selector)
    errs.push(
      invalidValue("spec.jobTemplate.spec.selector", jobSpec.selector, "`selector` will be auto-generated"),
    )
  if (jobSpec.manualSelector)
    errs.push(notSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]))
  errs.push(...nonNegative("spec.successfulJobsHistoryLimit", spec.successfulJobsHistoryLimit))
  errs.push(...nonNegative("spec.failedJobsHistoryLimit", spec.failedJobsHistoryLimit))
  return errs
}

/** A CronJob on create, or on update when `old` is given. */
export function validateCronJob(cj: CronJob, old?: CronJob): FieldError[] {
  const spec = cj.spec ?? ({} as CronJobSpec)
  if (old)
    return [
      ...validateObjectMetaUpdate(cj.metadata, old.metadata),
      ...validateSpec(spec, old.spec ?? ({} as CronJobSpec)),
    ]
  const errs = validateObjectMeta(cj.metadata, { namespaced: true, name: nameIsDnsSubdomain })
  errs.push(...validateSpec(spec, undefined))
  const name = cj.metadata?.name ?? ""
  // The controller appends an 11-character suffix to name its Jobs
  if (name.length > 52) errs.push(invalidValue("metadata.name", name, "must be no more than 52 characters"))
  return errs
}

import assert from "node:assert/strict"
import { test } from "node:test"
import type { CronJob, CronJobSpec } from "kubernetes-types/batch/v1.js"
import { printed, template } from "./_fixtures.ts"
import { cronScheduleError } from "./cron.ts"
import { validateCronJob } from "./cronjob.ts"

function cron(spec: Partial<CronJobSpec> = {}, name = "tick"): CronJob {
  return {
    metadata: { name, namespace: "default" },
    spec: {
      schedule: "*/5 * * * *",
      concurrencyPolicy: "Allow",
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { spec: { template: template({ restartPolicy: "OnFailure" }) } },
      ...spec,
    },
  }
}

const scheduleCases: { name: string; input: string; want: string | undefined }[] = [
  { name: "cronScheduleError() accepts */5 * * * *", input: "*/5 * * * *", want: undefined },
  { name: "cronScheduleError() accepts names and lists", input: "0 9-17 * JAN,feb MON-FRI", want: undefined },
  { name: "cronScheduleError() accepts @hourly", input: "@hourly", want: undefined },
  { name: "cronScheduleError() counts fields", input: "* * * *", want: "expected exactly 5 fields, found 4: [* * * *]" },
  { name: "cronScheduleError() checks ranges", input: "60 * * * *", want: "end of range (60) above maximum (59): 60" },
  {
    name: "cronScheduleError() checks numbers",
    input: "x * * * *",
    want: 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax',
  },
  { name: "cronScheduleError() checks range order", input: "5-1 * * * *", want: "beginning of range (5) beyond end of range (1): 5-1" },
  { name: "cronScheduleError() refuses day 0 of the month", input: "* * 0 * *", want: "beginning of range (0) below minimum (1): 0" },
  { name: "cronScheduleError() refuses unknown descriptors", input: "@often", want: "unrecognized descriptor: @often" },
]

for (const c of scheduleCases) {
  test(c.name, () => {
    assert.equal(cronScheduleError(c.input), c.want)
  })
}

const cases: { name: string; input: CronJob; want: string[] }[] = [
  { name: "validateCronJob() accepts a defaulted cron job", input: cron(), want: [] },
  { name: "validateCronJob() requires a schedule", input: cron({ schedule: "" }), want: ["spec.schedule: Required value"] },
  {
    name: "validateCronJob() reports the parse error",
    input: cron({ schedule: "61 * * * *" }),
    want: ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'],
  },
  {
    name: "validateCronJob() refuses TZ in the schedule",
    input: cron({ schedule: "TZ=UTC * * * * *" }),
    want: ['spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
  },
  {
    name: "validateCronJob() checks the time zone",
    input: cron({ timeZone: "Mars/Olympus" }),
    want: ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
  },
  {
    name: "validateCronJob() checks the concurrency policy",
    input: cron({ concurrencyPolicy: "Sometimes" }),
    want: ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'],
  },
  {
    name: "validateCronJob() keeps names to 52 characters",
    input: cron({}, "a".repeat(53)),
    want: [`metadata.name: Invalid value: "${"a".repeat(53)}": must be no more than 52 characters`],
  },
  {
    name: "validateCronJob() refuses a job template selector",
    input: cron({ jobTemplate: { spec: { selector: { matchLabels: { a: "b" } }, template: template({ restartPolicy: "Never" }) } } }),
    want: ['spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated'],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateCronJob(c.input)), c.want)
  })
}

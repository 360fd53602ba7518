import assert from "node:assert/strict"
import { test } from "node:test"
import type { CronJob, CronJobSpec } from "kubernetes-types/batch/v1.js"
import { printed, template } from "./_fixtures.ts"
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

const cases: { name: string; input: CronJob; want: string[] }[] = [
  { name: "validateCronJob() accepts a defaulted cron job", input: cron(), want: [] },
  {
    name: "validateCronJob() requires a schedule",
    input: cron({ schedule: "" }),
    want: ["spec.schedule: Required value"],
  },
  {
    name: "validateCronJob() reports the parse error",
    input: cron({ schedule: "61 * * * *" }),
    want: ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'],
  },
  {
    name: "validateCronJob() refuses TZ in the schedule",
    input: cron({ schedule: "TZ=UTC * * * * *" }),
    want: [
      'spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ],
  },
  {
    name: "validateCronJob() checks the time zone",
    input: cron({ timeZone: "Mars/Olympus" }),
    want: ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
  },
  {
    name: "validateCronJob() checks the concurrency policy",
    input: cron({ concurrencyPolicy: "Sometimes" }),
    want: [
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ],
  },
  {
    name: "validateCronJob() keeps names to 52 characters",
    input: cron({}, "a".repeat(53)),
    want: [`metadata.name: Invalid value: "${"a".repeat(53)}": must be no more than 52 characters`],
  },
  {
    name: "validateCronJob() refuses a job template selector",
    input: cron({
      jobTemplate: {
        spec: { selector: { matchLabels: { a: "b" } }, template: template({ restartPolicy: "Never" }) },
      },
    }),
    want: [
      'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
    ],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateCronJob(c.input)), c.want)
  })
}

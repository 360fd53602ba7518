import assert from "node:assert/strict"
import { test } from "node:test"
import type { CronJob, Job } from "kubernetes-types/batch/v1.js"
import { defaultCronJob, defaultJob, generateJobSelector } from "./batch.ts"

const template = { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x:1" }] } }

const cases: { name: string; input: () => unknown; want: unknown }[] = [
  {
    name: "defaultJob() fills counts, modes and policies",
    input: () => {
      const job: Job = { metadata: { name: "pi" }, spec: { template: structuredClone(template) } }
      defaultJob(job)
      const { template: _t, ...rest } = job.spec!
      return rest
    },
    want: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: "NonIndexed",
      suspend: false,
      podReplacementPolicy: "TerminatingOrFailed",
      manualSelector: false,
    },
  },
  {
    name: "defaultJob() leaves completions unset when parallelism is given",
    input: () => {
      const job: Job = { spec: { parallelism: 3, template: structuredClone(template) } }
      defaultJob(job)
      return [job.spec!.completions, job.spec!.parallelism]
    },
    want: [undefined, 3],
  },
  {
    name: "defaultJob() leaves the selector to the registry, which generates it once the Job has its uid",
    input: () => {
      const job: Job = { metadata: { name: "pi", uid: "u-1" }, spec: { template: structuredClone(template) } }
      defaultJob(job)
      assert.equal(job.spec!.selector, undefined)
      generateJobSelector(job)
      return [job.spec!.selector, job.spec!.template.metadata?.labels, job.metadata!.labels]
    },
    want: [
      { matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } },
      {
        "job-name": "pi",
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": "u-1",
        "batch.kubernetes.io/controller-uid": "u-1",
      },
      {
        "job-name": "pi",
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": "u-1",
        "batch.kubernetes.io/controller-uid": "u-1",
      },
    ],
  },
  {
    name: "generateJobSelector() leaves a manual selector alone",
    input: () => {
      const job: Job = {
        metadata: { name: "pi", uid: "u-1" },
        spec: {
          manualSelector: true,
          selector: { matchLabels: { a: "b" } },
          template: structuredClone(template),
        },
      }
      defaultJob(job)
      generateJobSelector(job)
      return job.spec!.selector
    },
    want: { matchLabels: { a: "b" } },
  },
  {
    name: "defaultCronJob() fills policy, suspend and history limits",
    input: () => {
      const cj: CronJob = {
        spec: { schedule: "* * * * *", jobTemplate: { spec: { template: structuredClone(template) } } },
      }
      defaultCronJob(cj)
      const { jobTemplate: _j, ...rest } = cj.spec!
      return rest
    },
    want: {
      schedule: "* * * * *",
      concurrencyPolicy: "Allow",
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    },
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

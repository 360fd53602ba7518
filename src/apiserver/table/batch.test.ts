import assert from "node:assert/strict"
import { test } from "node:test"
import type { Job } from "kubernetes-types/batch/v1.js"
import { cronJobPrinter, jobPrinter } from "./batch.ts"
import { MIN, ago, headers, meta, printerCases } from "./testdata.ts"

const template = { spec: { containers: [{ name: "pi", image: "perl" }] } }
const selector = { matchLabels: { "batch.kubernetes.io/controller-uid": "u1" } }

function job(status: Job["status"], spec: Partial<Job["spec"]> = {}, extra: Job["metadata"] = {}): Job {
  return { metadata: meta("pi", extra), spec: { template, selector, ...spec }, status }
}

const tail = ["pi", "perl", "batch.kubernetes.io/controller-uid=u1"]

printerCases("jobPrinter", jobPrinter, [
  { name: "not started", input: job({}), want: ["pi", "Running", "0/1", "", "5m", ...tail] },
  {
    name: "running for three minutes",
    input: job({ startTime: ago(3 * MIN), active: 1 }, { completions: 2 }),
    want: ["pi", "Running", "0/2", "3m", "5m", ...tail],
  },
  {
    name: "complete",
    input: job(
      {
        startTime: ago(4 * MIN),
        completionTime: ago(MIN),
        succeeded: 1,
        conditions: [{ type: "Complete", status: "True" }],
      },
      { completions: 1 },
    ),
    want: ["pi", "Complete", "1/1", "3m", "5m", ...tail],
  },
  {
    name: "failed",
    input: job({ failed: 6, conditions: [{ type: "Failed", status: "True" }] }),
    want: ["pi", "Failed", "0/1", "", "5m", ...tail],
  },
  {
    name: "suspended work queue",
    input: job({ conditions: [{ type: "Suspended", status: "True" }] }, { parallelism: 3, suspend: true }),
    want: ["pi", "Suspended", "0/1 of 3", "", "5m", ...tail],
  },
  {
    name: "failing",
    input: job({ conditions: [{ type: "FailureTarget", status: "True" }] }),
    want: ["pi", "FailureTarget", "0/1", "", "5m", ...tail],
  },
  {
    name: "terminating",
    input: job({ conditions: [{ type: "Suspended", status: "True" }] }, {}, { deletionTimestamp: ago(0) }),
    want: ["pi", "Terminating", "0/1", "", "5m", ...tail],
  },
  {
    name: "a false condition does not count",
    input: job({ conditions: [{ type: "Complete", status: "False" }] }),
    want: ["pi", "Running", "0/1", "", "5m", ...tail],
  },
])

printerCases("cronJobPrinter", cronJobPrinter, [
  {
    name: "scheduled before",
    input: {
      metadata: meta("nightly"),
      spec: {
        schedule: "0 3 * * *",
        timeZone: "Etc/UTC",
        suspend: false,
        jobTemplate: { spec: { template, selector } },
      },
      status: { active: [{ name: "nightly-1" }], lastScheduleTime: ago(2 * MIN) },
    },
    want: ["nightly", "0 3 * * *", "Etc/UTC", "False", 1, "2m", "5m", ...tail],
  },
  {
    name: "never scheduled",
    input: { metadata: meta("c"), spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template } } } },
    want: ["c", "*/5 * * * *", "<none>", "<unset>", 0, "<none>", "5m", "pi", "perl", "<none>"],
  },
])

test("batch printers have upstream's headers", () => {
  assert.equal(
    headers(jobPrinter),
    "Name | Status | Completions | Duration | Age | Containers* | Images* | Selector*",
  )
  assert.equal(
    headers(cronJobPrinter),
    "Name | Schedule | Timezone | Suspend | Active | Last Schedule | Age | Containers* | Images* | Selector*",
  )
})

import assert from "node:assert/strict"
import { test } from "node:test"
import type { Job, JobSpec } from "kubernetes-types/batch/v1.js"
import { printed, stored, template } from "./_fixtures.ts"
import { validateJob } from "./job.ts"

const LABELS = {
  "batch.kubernetes.io/controller-uid": "u-1",
  "batch.kubernetes.io/job-name": "pi",
  "controller-uid": "u-1",
  "job-name": "pi",
}

function job(spec: Partial<JobSpec> = {}, labels: Record<string, string> = LABELS): Job {
  return {
    metadata: { name: "pi", namespace: "default", uid: "u-1" },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: "NonIndexed",
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: "TerminatingOrFailed",
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } },
      template: template({ restartPolicy: "Never" }, labels),
      ...spec,
    },
  }
}

const cases: { name: string; input: () => string[]; want: string[] }[] = [
  { name: "validateJob() accepts a defaulted job", input: () => printed(validateJob(job())), want: [] },
  {
    name: "validateJob() requires restartPolicy OnFailure or Never",
    input: () => printed(validateJob(job({ template: template({ restartPolicy: "Always" }, LABELS) }))),
    want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
  },
  {
    name: "validateJob() refuses negative counts",
    input: () => printed(validateJob(job({ parallelism: -1, backoffLimit: -2 }))),
    want: [
      "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
      "spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0",
    ],
  },
  {
    name: "validateJob() requires the generated labels",
    input: () => printed(validateJob(job({}, { "batch.kubernetes.io/controller-uid": "u-1" }))),
    want: [
      "spec.template.metadata.labels[controller-uid]: Required value: must be 'u-1'",
      "spec.template.metadata.labels[job-name]: Required value: must be 'pi'",
      "spec.template.metadata.labels[batch.kubernetes.io/job-name]: Required value: must be 'pi'",
    ],
  },
  {
    name: "validateJob() requires a selector",
    input: () => printed(validateJob(job({ selector: undefined, manualSelector: true }))),
    want: [
      "spec.selector: Required value",
      'spec.template.metadata.labels: Invalid value: {"batch.kubernetes.io/controller-uid":"u-1","batch.kubernetes.io/job-name":"pi","controller-uid":"u-1","job-name":"pi"}: `selector` does not match template `labels`',
    ],
  },
  {
    name: "validateJob() checks the completion mode",
    input: () => printed(validateJob(job({ completionMode: "Sometimes" }))),
    want: ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'],
  },
  {
    name: "validateJob() requires completions for Indexed jobs",
    input: () => printed(validateJob(job({ completionMode: "Indexed", completions: undefined }))),
    want: ["spec.completions: Required value: when completion mode is Indexed"],
  },
  {
    name: "validateJob() on update keeps the template",
    input: () =>
      printed(
        validateJob(
          stored(job({ template: template({ restartPolicy: "OnFailure" }, LABELS) })),
          stored(job()),
        ),
      ),
    want: [
      `spec.template: Invalid value: ${JSON.stringify(template({ restartPolicy: "OnFailure" }, LABELS))}: field is immutable`,
    ],
  },
  {
    name: "validateJob() on update keeps completions of NonIndexed jobs",
    input: () => printed(validateJob(stored(job({ completions: 3 })), stored(job()))),
    want: ["spec.completions: Invalid value: 3: field is immutable"],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(c.input(), c.want)
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import { type Policy, levelVersionString, policyFromLabels } from "./levels.ts"

const P = "pod-security.kubernetes.io/"

function show(p: Policy): string {
  return `enforce=${levelVersionString(p.enforce)} audit=${levelVersionString(p.audit)} warn=${levelVersionString(p.warn)}`
}

const cases: { name: string; labels?: Record<string, string>; want: string; errors?: string[] }[] = [
  {
    name: "no labels: privileged everywhere",
    want: "enforce=privileged:latest audit=privileged:latest warn=privileged:latest",
  },
  {
    name: "other labels only: privileged everywhere",
    labels: { "kubernetes.io/metadata.name": "x" },
    want: "enforce=privileged:latest audit=privileged:latest warn=privileged:latest",
  },
  {
    name: "an enforce level also warns at it",
    labels: { [`${P}enforce`]: "restricted", [`${P}enforce-version`]: "v1.30" },
    want: "enforce=restricted:v1.30 audit=privileged:latest warn=restricted:v1.30",
  },
  {
    name: "a warn version of its own is kept when warn follows enforce",
    labels: { [`${P}enforce`]: "baseline", [`${P}warn-version`]: "v1.25" },
    want: "enforce=baseline:latest audit=privileged:latest warn=baseline:v1.25",
  },
  {
    name: "an explicit warn level is not raised to enforce",
    labels: { [`${P}enforce`]: "restricted", [`${P}warn`]: "baseline", [`${P}audit`]: "restricted" },
    want: "enforce=restricted:latest audit=restricted:latest warn=baseline:latest",
  },
  {
    name: "a bad enforce level enforces restricted and does not raise warn",
    labels: { [`${P}enforce`]: "strict" },
    want: "enforce=restricted:latest audit=privileged:latest warn=privileged:latest",
    errors: [
      'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
    ],
  },
  {
    name: "bad audit and warn levels fail open, bad versions are latest",
    labels: {
      [`${P}audit`]: "x",
      [`${P}warn`]: "baseline",
      [`${P}warn-version`]: "1.30",
      [`${P}audit-version`]: "v1.030",
    },
    want: "enforce=privileged:latest audit=privileged:latest warn=baseline:latest",
    errors: [
      'metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "x": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "v1.030": must be "latest" or "v1.x"',
      'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.30": must be "latest" or "v1.x"',
    ],
  },
  {
    name: "versions past the newest policy are kept as given",
    labels: { [`${P}audit`]: "baseline", [`${P}audit-version`]: "v1.99" },
    want: "enforce=privileged:latest audit=baseline:v1.99 warn=privileged:latest",
  },
]

for (const tc of cases) {
  test(`policyFromLabels(): ${tc.name}`, () => {
    const got = policyFromLabels(tc.labels)
    assert.equal(show(got.policy), tc.want)
    assert.deepEqual(
      got.errors.map((e) => `${e.field}: ${e.message}`),
      tc.errors ?? [],
    )
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { unmetReadinessGates } from "./readiness-gates.ts"

const gated = (...types: string[]): Pod => ({
  metadata: { name: "p", namespace: "default" },
  spec: { containers: [{ name: "a" }], readinessGates: types.map((conditionType) => ({ conditionType })) },
})

const cond = (type: string, status: string): PodCondition => ({ type, status })

const cases: {
  name: string
  pod: Pod
  conditions: PodCondition[]
  want: string | undefined
}[] = [
  { name: "no gates: nothing holds it", pod: gated(), conditions: [], want: undefined },
  {
    name: "a gate whose condition is True holds",
    pod: gated("example.com/lb"),
    conditions: [cond("Initialized", "False"), cond("example.com/lb", "True")],
    want: undefined,
  },
  {
    name: "a gate without its condition",
    pod: gated("example.com/lb"),
    conditions: [cond("example.com/other", "True")],
    want: 'corresponding condition of pod readiness gate "example.com/lb" does not exist.',
  },
  {
    name: "a gate whose condition is False",
    pod: gated("example.com/lb"),
    conditions: [cond("example.com/lb", "False")],
    want: 'the status of pod readiness gate "example.com/lb" is not "True", but False',
  },
  {
    name: "a gate whose condition is Unknown",
    pod: gated("example.com/lb"),
    conditions: [cond("example.com/lb", "Unknown")],
    want: 'the status of pod readiness gate "example.com/lb" is not "True", but Unknown',
  },
  {
    name: "several: each unmet gate in the gates' order, joined by a comma",
    pod: gated("b.example.com/two", "ok", "a.example.com/one"),
    conditions: [cond("a.example.com/one", "False"), cond("ok", "True")],
    want:
      'corresponding condition of pod readiness gate "b.example.com/two" does not exist., ' +
      'the status of pod readiness gate "a.example.com/one" is not "True", but False',
  },
]

for (const c of cases) {
  test(`unmetReadinessGates(): ${c.name}`, () => {
    const got = unmetReadinessGates(c.pod, c.conditions)
    assert.equal(got?.message, c.want)
    assert.equal(got?.reason, c.want === undefined ? undefined : "ReadinessGatesNotReady")
  })
}

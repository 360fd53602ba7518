import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import {
  isPodAvailable,
  isPodPhaseTerminal,
  isPodReady,
  isPodTerminal,
  msUntilAvailable,
  podReadySince,
} from "./pods.ts"

const T0 = "2026-01-01T00:00:00Z"
const t0 = Date.parse(T0)

function pod(...conditions: PodCondition[]): Pod {
  return { metadata: { name: "p" }, status: { phase: "Running", conditions } }
}

function ready(status: string, lastTransitionTime?: string): PodCondition {
  return { type: "Ready", status, ...(lastTransitionTime ? { lastTransitionTime } : {}) }
}

const terminalCases: { name: string; input: string | undefined; want: boolean }[] = [
  { name: "Succeeded", input: "Succeeded", want: true },
  { name: "Failed", input: "Failed", want: true },
  { name: "Running", input: "Running", want: false },
  { name: "Pending", input: "Pending", want: false },
  { name: "Unknown", input: "Unknown", want: false },
  { name: "no phase yet", input: undefined, want: false },
]
for (const c of terminalCases) {
  test(`isPodTerminal() and isPodPhaseTerminal(): ${c.name}`, () => {
    assert.equal(isPodPhaseTerminal(c.input), c.want)
    assert.equal(isPodTerminal({ status: c.input === undefined ? {} : { phase: c.input } }), c.want)
  })
}

const readyCases: { name: string; input: Pod; want: boolean }[] = [
  { name: "no status", input: { metadata: { name: "p" } }, want: false },
  { name: "no Ready condition", input: pod({ type: "ContainersReady", status: "True" }), want: false },
  { name: "Ready False", input: pod(ready("False")), want: false },
  { name: "Ready Unknown", input: pod(ready("Unknown")), want: false },
  { name: "Ready True", input: pod({ type: "Initialized", status: "True" }, ready("True")), want: true },
  { name: "the first Ready condition decides", input: pod(ready("False"), ready("True")), want: false },
]
for (const c of readyCases) {
  test(`isPodReady(): ${c.name}`, () => assert.equal(isPodReady(c.input), c.want))
}

const sinceCases: { name: string; input: Pod; want: number | undefined }[] = [
  { name: "ready with a time", input: pod(ready("True", T0)), want: t0 },
  { name: "ready without a time", input: pod(ready("True")), want: undefined },
  { name: "ready with a malformed time", input: pod(ready("True", "yesterday")), want: undefined },
  { name: "not ready", input: pod(ready("False", T0)), want: undefined },
]
for (const c of sinceCases) {
  test(`podReadySince(): ${c.name}`, () => assert.equal(podReadySince(c.input), c.want))
}

const availableCases: {
  name: string
  input: { pod: Pod; minReadySeconds: number; now: number }
  want: number | undefined
}[] = [
  {
    name: "not ready",
    input: { pod: pod(ready("False", T0)), minReadySeconds: 0, now: t0 },
    want: undefined,
  },
  {
    name: "ready, no minReadySeconds",
    input: { pod: pod(ready("True")), minReadySeconds: 0, now: t0 },
    want: 0,
  },
  {
    name: "ready for exactly minReadySeconds: not yet",
    input: { pod: pod(ready("True", T0)), minReadySeconds: 10, now: t0 + 10_000 },
    want: 1,
  },
  {
    name: "ready for longer than minReadySeconds",
    input: { pod: pod(ready("True", T0)), minReadySeconds: 10, now: t0 + 10_001 },
    want: 0,
  },
  {
    name: "ready for less than minReadySeconds",
    input: { pod: pod(ready("True", T0)), minReadySeconds: 10, now: t0 + 4_000 },
    want: 6_001,
  },
  {
    name: "ready since an unknown time, minReadySeconds set",
    input: { pod: pod(ready("True")), minReadySeconds: 10, now: t0 },
    want: undefined,
  },
]
for (const c of availableCases) {
  test(`msUntilAvailable() and isPodAvailable(): ${c.name}`, () => {
    const { pod, minReadySeconds, now } = c.input
    assert.equal(msUntilAvailable(pod, minReadySeconds, now), c.want)
    assert.equal(isPodAvailable(pod, minReadySeconds, now), c.want === 0)
  })
}

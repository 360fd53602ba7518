import assert from "node:assert/strict"
import { test } from "node:test"
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js"
import { maxSurge, maxUnavailable, newRSNewReplicas, proportion, scaledValue } from "./replicas.ts"

function rolling(replicas: number, surge: number | string, unavailable: number | string): Deployment {
  return {
    spec: {
      replicas,
      selector: {},
      template: {},
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
    },
  }
}

function rs(replicas: number, maxReplicas?: number): ReplicaSet {
  return {
    metadata:
      maxReplicas === undefined
        ? {}
        : { annotations: { "deployment.kubernetes.io/max-replicas": String(maxReplicas) } },
    spec: { replicas, selector: {} },
  }
}

const scaled = [
  { name: "an int is itself", input: [3, 10, true] as const, want: 3 },
  { name: "25% of 10 rounds up to 3", input: ["25%", 10, true] as const, want: 3 },
  { name: "25% of 10 rounds down to 2", input: ["25%", 10, false] as const, want: 2 },
  { name: "0% is 0", input: ["0%", 10, true] as const, want: 0 },
]
for (const c of scaled) {
  test(`scaledValue(): ${c.name}`, () => {
    assert.equal(scaledValue(c.input[0], c.input[1], c.input[2]), c.want)
  })
}

test("scaledValue() rejects a string that is no percentage", () => {
  assert.throws(() => scaledValue("ten", 10, true), RangeError)
})

const fenceposts = [
  { name: "25%/25% of 4: surge 1, unavailable 1", input: rolling(4, "25%", "25%"), want: [1, 1] },
  { name: "25%/25% of 1: surge rounds up, unavailable down", input: rolling(1, "25%", "25%"), want: [1, 0] },
  { name: "both resolving to 0 makes unavailable 1", input: rolling(3, "10%", "10%"), want: [1, 0] },
  { name: "0 and 10% of 3 gives unavailable 1", input: rolling(3, 0, "10%"), want: [0, 1] },
  { name: "unavailable is capped at replicas", input: rolling(2, 0, 5), want: [0, 2] },
  {
    name: "Recreate has neither",
    input: { spec: { replicas: 3, selector: {}, template: {}, strategy: { type: "Recreate" } } },
    want: [0, 0],
  },
]
for (const c of fenceposts) {
  test(`maxSurge()/maxUnavailable(): ${c.name}`, () => {
    assert.deepEqual([maxSurge(c.input), maxUnavailable(c.input)], c.want)
  })
}

const growth = [
  { name: "grows by the surge", input: { d: rolling(4, 1, 0), old: [rs(4)], cur: rs(0) }, want: 1 },
  { name: "holds at the surge", input: { d: rolling(4, 1, 0), old: [rs(4)], cur: rs(1) }, want: 1 },
  { name: "never past spec.replicas", input: { d: rolling(4, 10, 0), old: [rs(1)], cur: rs(2) }, want: 4 },
]
for (const c of growth) {
  test(`newRSNewReplicas(): ${c.name}`, () => {
    const { d, old, cur } = c.input
    assert.equal(newRSNewReplicas(d, [...old, cur], cur), c.want)
  })
}

test("proportion(): shares a scale-up by each ReplicaSet's fraction of the old maximum", () => {
  // 10 replicas with maxSurge 3 were at 13; now 15 replicas (maxSurge 3): 18.
  const d = rolling(15, 3, 2)
  assert.equal(proportion(d, rs(8, 13), 5, 0), 3) // 8 * 18 / 13 = 11.08 -> 11
  assert.equal(proportion(d, rs(5, 13), 5, 3), 2) // capped by what is left
  assert.equal(proportion(d, rs(0, 13), 5, 0), 0)
})

test("proportion(): scaling to zero takes everything", () => {
  assert.equal(proportion(rolling(0, 3, 2), rs(8, 13), -13, 0), -8)
})

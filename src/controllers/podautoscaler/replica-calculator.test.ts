import { test } from "node:test"
import assert from "node:assert/strict"
import type { Pod } from "kubernetes-types/core/v1.js"
import { averageValueReplicas, resourceReplicas } from "./replica-calculator.ts"
import type { PodMetricsInfo } from "./metrics-client.ts"

const NOW = Date.UTC(2026, 0, 1, 12)
const iso = (ms: number) => new Date(ms).toISOString()

interface PodCase {
  request?: string
  ready?: boolean
  phase?: string
  deleted?: boolean
  /** Started this long ago (default 10 minutes: past the CPU initialization period). */
  ageMs?: number
}

function pods(list: PodCase[]): Pod[] {
  return list.map((p, i) => {
    const start = NOW - (p.ageMs ?? 600_000)
    return {
      metadata: { name: `p${i}`, ...(p.deleted ? { deletionTimestamp: iso(NOW) } : {}) },
      spec: {
        containers: [{ name: "c", resources: { requests: { cpu: p.request ?? "1", memory: "1Gi" } } }],
      },
      status: {
        phase: p.phase ?? "Running",
        startTime: iso(start),
        conditions: [
          {
            type: "Ready",
            status: p.ready === false ? "False" : "True",
            lastTransitionTime: iso(start + 1000),
          },
        ],
      },
    }
  })
}

function metrics(levels: (number | undefined)[]): PodMetricsInfo {
  const m: PodMetricsInfo = new Map()
  levels.forEach((v, i) => {
    if (v !== undefined) m.set(`p${i}`, { timestamp: NOW - 1000, windowMs: 30_000, value: v })
  })
  return m
}

const cases: {
  name: string
  current: number
  pods: PodCase[]
  levels: (number | undefined)[]
  target: number
  want: number
  utilization?: number
}[] = [
  {
    name: "scale up",
    current: 3,
    pods: [{}, {}, {}],
    levels: [300, 500, 700],
    target: 30,
    want: 5,
    utilization: 50,
  },
  {
    name: "scale up with an unready pod counts it at 0%",
    current: 3,
    pods: [{ ready: false, ageMs: 60_000 }, {}, {}],
    levels: [300, 500, 700],
    target: 30,
    want: 4,
    utilization: 60,
  },
  {
    name: "a pending pod is unready",
    current: 3,
    pods: [{ phase: "Pending" }, {}, {}],
    levels: [undefined, 500, 700],
    target: 30,
    want: 4,
    utilization: 60,
  },
  {
    name: "scale down",
    current: 5,
    pods: [{}, {}, {}, {}, {}],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    want: 3,
    utilization: 28,
  },
  {
    name: "within tolerance: no change",
    current: 3,
    pods: [{ request: "900m" }, { request: "1" }, { request: "1100m" }],
    levels: [1010, 1030, 1020],
    target: 100,
    want: 3,
    utilization: 102,
  },
  {
    name: "missing metrics on scale down count at 100% of request",
    current: 4,
    pods: [{}, {}, {}, {}],
    levels: [100, 100, 100, undefined],
    target: 50,
    want: 3,
    utilization: 10,
  },
  {
    name: "missing metrics on scale up count at 0%: no change when that flips the direction",
    current: 3,
    pods: [{}, {}, {}],
    levels: [1400, 1600, undefined],
    target: 100,
    want: 3,
    utilization: 150,
  },
  {
    name: "missing metrics on scale up still scale up when usage is high enough",
    current: 2,
    pods: [{}, {}],
    levels: [1900, undefined],
    target: 40,
    // 95% with the missing pod at 0%: ratio 2.375 over 2 pods
    want: 5,
    utilization: 190,
  },
  {
    name: "deleted and failed pods are ignored",
    current: 4,
    pods: [{}, {}, { deleted: true }, { phase: "Failed" }],
    levels: [900, 900, 0, 0],
    target: 50,
    want: 4,
    utilization: 90,
  },
]

for (const c of cases) {
  test(`resourceReplicas: ${c.name}`, () => {
    const got = resourceReplicas(
      { currentReplicas: c.current, now: NOW },
      pods(c.pods),
      metrics(c.levels),
      "cpu",
      c.target,
    )
    assert.equal(got.replicas, c.want)
    if (c.utilization !== undefined) assert.equal(got.utilization, c.utilization)
  })
}

test("resourceReplicas fails without pods, without metrics, or without requests", () => {
  const ctx = { currentReplicas: 1, now: NOW }
  assert.throws(() => resourceReplicas(ctx, [], new Map(), "cpu", 50), /no pods returned by selector/)
  assert.throws(() => resourceReplicas(ctx, pods([{}]), new Map(), "cpu", 50), /did not receive metrics/)
  const noRequest = pods([{}])
  noRequest[0]!.spec!.containers[0]!.resources = {}
  assert.throws(
    () => resourceReplicas(ctx, noRequest, metrics([1]), "cpu", 50),
    /missing request for cpu in container c of Pod p0/,
  )
})

test("averageValueReplicas scales on the average usage per pod", () => {
  const ctx = { currentReplicas: 3, now: NOW }
  const got = averageValueReplicas(ctx, pods([{}, {}, {}]), metrics([4000, 5000, 6000]), "memory", 2000)
  assert.equal(got.replicas, 8)
  assert.equal(got.rawAverage, 5000)
  const down = averageValueReplicas(ctx, pods([{}, {}, {}]), metrics([1000, 1000, undefined]), "memory", 2000)
  // The missing pod counts at the target: (1000 + 1000 + 2000) / 3 / 2000 = 0.67 → 2
  assert.equal(down.replicas, 2)
})

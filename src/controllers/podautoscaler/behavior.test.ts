import { test } from "node:test"
import assert from "node:assert/strict"
import {
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  normalizeWithBehavior,
  normalizeWithoutBehavior,
  scaleDownLimit,
  scaleUpLimit,
  type Recommendation,
} from "./behavior.ts"
import { FakeClock } from "../../util/index.ts"

test("default scale-up policies: 4 pods or 100% per 15 s, whichever is more", () => {
  assert.equal(scaleUpLimit(1, [], [], DEFAULT_SCALE_UP, 0), 5)
  assert.equal(scaleUpLimit(10, [], [], DEFAULT_SCALE_UP, 0), 20)
  // 6 pods were added 10 s ago: the period started at 4.
  assert.equal(scaleUpLimit(10, [{ change: 6, at: -10_000 }], [], DEFAULT_SCALE_UP, 0), 8)
  assert.equal(scaleUpLimit(10, [{ change: 6, at: -20_000 }], [], DEFAULT_SCALE_UP, 0), 20)
  assert.equal(scaleUpLimit(10, [], [], { ...DEFAULT_SCALE_UP, selectPolicy: "Min" }, 0), 14)
  assert.equal(scaleUpLimit(10, [], [], { ...DEFAULT_SCALE_UP, selectPolicy: "Disabled" }, 0), 10)
})

test("scale-down policies", () => {
  assert.equal(scaleDownLimit(10, [], [], DEFAULT_SCALE_DOWN, 0), 0)
  const rules = {
    selectPolicy: "Max" as const,
    policies: [
      { type: "Pods" as const, value: 2, periodSeconds: 60 },
      { type: "Percent" as const, value: 10, periodSeconds: 60 },
    ],
  }
  assert.equal(scaleDownLimit(10, [], [], rules, 0), 8)
  assert.equal(scaleDownLimit(10, [], [], { ...rules, selectPolicy: "Min" }, 0), 9)
  assert.equal(scaleDownLimit(8, [], [{ change: 2, at: -30_000 }], rules, 0), 8)
})

test("the scale-down stabilization window keeps the highest recent recommendation", () => {
  const clock = new FakeClock()
  const recs: Recommendation[] = [{ replicas: 5, at: clock.now() }]
  const args = (desired: number) => ({ current: 5, desired, min: 1, max: 10, now: clock.now() })
  let n = normalizeWithBehavior(args(2), {}, recs, { up: [], down: [] })
  assert.equal(n.replicas, 5)
  assert.equal(n.ableToScale.reason, "ScaleDownStabilized")
  void clock.advance(301_000)
  n = normalizeWithBehavior(args(2), {}, recs, { up: [], down: [] })
  assert.equal(n.replicas, 2)
  assert.equal(n.ableToScale.reason, "ReadyForNewScale")
  assert.deepEqual(n.limited, {
    status: "False",
    reason: "DesiredWithinRange",
    message: "the desired count is within the acceptable range",
  })
})

test("scale-up with a window takes the lowest recent recommendation", () => {
  const recs: Recommendation[] = [{ replicas: 3, at: -30_000 }]
  const n = normalizeWithBehavior(
    { current: 2, desired: 6, min: 1, max: 10, now: 0 },
    { scaleUp: { stabilizationWindowSeconds: 60 } },
    recs,
    { up: [], down: [] },
  )
  assert.equal(n.replicas, 3)
  assert.equal(n.ableToScale.reason, "ScaleUpStabilized")
})

test("limits: max replicas, the scale-up rate and min replicas", () => {
  const up = normalizeWithBehavior({ current: 2, desired: 20, min: 1, max: 10, now: 0 }, {}, [], {
    up: [],
    down: [],
  })
  assert.equal(up.replicas, 6)
  assert.equal(up.limited.status, "True")
  assert.equal(up.limited.reason, "ScaleUpLimit")
  const max = normalizeWithBehavior({ current: 8, desired: 20, min: 1, max: 10, now: 0 }, {}, [], {
    up: [],
    down: [],
  })
  assert.deepEqual([max.replicas, max.limited.reason], [10, "TooManyReplicas"])
  const few = normalizeWithoutBehavior({ current: 3, desired: 1, min: 2, max: 10, now: 0 }, [])
  assert.deepEqual([few.replicas, few.limited.status, few.limited.reason], [2, "True", "TooFewReplicas"])
  const legacyUp = normalizeWithoutBehavior({ current: 1, desired: 9, min: 1, max: 10, now: 0 }, [])
  assert.deepEqual([legacyUp.replicas, legacyUp.limited.reason], [4, "ScaleUpLimit"])
})

import assert from "node:assert/strict"
import { test } from "node:test"
import {
  Disruption,
  LARGE_CLUSTER_THRESHOLD,
  SECONDARY_TAINT_INTERVAL_MS,
  TAINT_INTERVAL_MS,
  zoneState,
} from "./disruption.ts"

const cases = [
  { name: "every node ready is Normal", input: [3, 0], want: "Normal" },
  { name: "no node ready is FullDisruption", input: [0, 1], want: "FullDisruption" },
  { name: "two unready of three is Normal (more than two are needed)", input: [1, 2], want: "Normal" },
  { name: "three unready of five is PartialDisruption", input: [2, 3], want: "PartialDisruption" },
  { name: "three unready of ten is Normal", input: [7, 3], want: "Normal" },
] as const

for (const c of cases) {
  test(`zoneState() says ${c.name}`, () => {
    assert.equal(zoneState(c.input[0], c.input[1]), c.want)
  })
}

function nodes(ready: number, notReady: number) {
  return Array.from({ length: ready + notReady }, (_, i) => ({
    metadata: { name: `n${i}` },
    status: { conditions: [{ type: "Ready", status: i < ready ? "True" : "Unknown" }] },
  }))
}

test("Disruption.takeTaint() paces new taints per zone", () => {
  const d = new Disruption()
  d.update(nodes(5, 1))
  assert.equal(d.takeTaint("z", 0), 0)
  assert.equal(d.takeTaint("z", 1_000), TAINT_INTERVAL_MS - 1_000)
  assert.equal(d.takeTaint("other", 1_000), 0)
  assert.equal(d.takeTaint("z", TAINT_INTERVAL_MS), 0)
})

test("Disruption.takeTaint() refuses in a small partially disrupted zone, slows down in a large one", () => {
  const small = new Disruption()
  small.update(nodes(2, 3))
  const zone = ":\u0000:"
  assert.equal(small.takeTaint(zone, 0), Infinity)
  const large = new Disruption()
  large.update(nodes(LARGE_CLUSTER_THRESHOLD - 10, LARGE_CLUSTER_THRESHOLD + 10))
  assert.equal(large.takeTaint(zone, 0), 0)
  assert.equal(large.takeTaint(zone, 0), SECONDARY_TAINT_INTERVAL_MS)
})

test("Disruption.allFullyDisrupted is true only when no zone has a ready node", () => {
  const d = new Disruption()
  d.update(nodes(0, 2))
  assert.equal(d.allFullyDisrupted, true)
  d.update(nodes(1, 2))
  assert.equal(d.allFullyDisrupted, false)
})

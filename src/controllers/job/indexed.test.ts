import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { activePodsForRemoval, firstPendingIndexes, nextFailureCounts } from "./indexed.ts"
import { parseIntervals } from "./intervals.ts"
import { JOB_COMPLETION_INDEX, JOB_INDEX_FAILURE_COUNT } from "./pods.ts"
import type { Job, Pod } from "./types.ts"

const JOB = { spec: { completions: 6, completionMode: "Indexed", template: {} } } as Job

function pod(name: string, index?: number, extra: Record<string, string> = {}): Pod {
  const annotations: Record<string, string> = { ...extra }
  if (index !== undefined) annotations[JOB_COMPLETION_INDEX] = String(index)
  return { metadata: { name, uid: name, annotations, creationTimestamp: "2026-01-01T00:00:00Z" } } as Pod
}

describe("firstPendingIndexes", () => {
  const cases = [
    { name: "from zero", active: [], done: "", failed: undefined, count: 3, want: [0, 1, 2] },
    {
      name: "skips active and succeeded",
      active: [pod("a", 1)],
      done: "0,2",
      failed: undefined,
      count: 2,
      want: [3, 4],
    },
    { name: "skips failed indexes", active: [], done: "", failed: "0-2", count: 5, want: [3, 4, 5] },
    { name: "never beyond completions", active: [], done: "0-4", failed: undefined, count: 3, want: [5] },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const got = firstPendingIndexes(
        JOB,
        {
          active: c.active,
          terminating: [],
          succeeded: parseIntervals(c.done, 6),
          failed: c.failed === undefined ? undefined : parseIntervals(c.failed, 6),
        },
        c.count,
      )
      assert.deepEqual(got, c.want)
    })
  }
})

describe("activePodsForRemoval", () => {
  test("removes pods of repeated or invalid indexes first", () => {
    const pods = [pod("a", 0), pod("b", 0), pod("c"), pod("d", 9), pod("e", 1)]
    const names = activePodsForRemoval(JOB, pods, 0).map((p) => p.metadata?.name)
    assert.equal(names.length, 3)
    assert.ok(names.includes("c") && names.includes("d"))
    assert.ok(names.includes("a") !== names.includes("b"))
  })
})

describe("nextFailureCounts", () => {
  test("a replacement carries the failures of its index on", () => {
    assert.deepEqual(nextFailureCounts(JOB, undefined), { failed: 0, ignored: 0 })
    assert.deepEqual(nextFailureCounts(JOB, pod("x", 2, { [JOB_INDEX_FAILURE_COUNT]: "2" })), {
      failed: 3,
      ignored: 0,
    })
  })
})

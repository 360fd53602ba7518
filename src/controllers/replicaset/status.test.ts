import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { calculateStatus } from "./status.ts"

const NOW = Date.parse("2026-01-01T00:01:00Z")
function pod(labels: Record<string, string>, readyAt?: string): Pod {
  return {
    metadata: { labels },
    status: readyAt
      ? { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: readyAt }] }
      : {},
  }
}
const input = { generation: 4, minReadySeconds: 30, templateLabels: { app: "web", tier: "fe" } }

test("calculateStatus() counts fully labeled, ready and available pods", () => {
  const pods = [
    pod({ app: "web", tier: "fe" }, "2026-01-01T00:00:00Z"),
    pod({ app: "web", tier: "fe" }, "2026-01-01T00:00:45Z"),
    pod({ app: "web" }),
  ]
  assert.deepEqual(calculateStatus(input, pods, undefined, NOW), {
    replicas: 3,
    fullyLabeledReplicas: 2,
    readyReplicas: 2,
    availableReplicas: 1,
    observedGeneration: 4,
  })
})

test("calculateStatus() adds ReplicaFailure on a failed round and keeps the first one", () => {
  const failed = calculateStatus(input, [], { reason: "FailedCreate", message: "quota" }, NOW)
  assert.deepEqual(failed.conditions, [
    {
      type: "ReplicaFailure",
      status: "True",
      reason: "FailedCreate",
      message: "quota",
      lastTransitionTime: "2026-01-01T00:01:00Z",
    },
  ])
  const again = calculateStatus(
    { ...input, status: failed },
    [],
    { reason: "FailedCreate", message: "other" },
    NOW + 5000,
  )
  assert.deepEqual(again.conditions, failed.conditions)
  assert.equal(calculateStatus({ ...input, status: failed }, [], undefined, NOW).conditions, undefined)
})

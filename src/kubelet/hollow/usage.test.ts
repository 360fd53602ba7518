import { test } from "node:test"
import assert from "node:assert/strict"
import type { Pod } from "kubernetes-types/core/v1.js"
import { CPU_USAGE_ANNOTATION, hollowSummary } from "./usage.ts"

const NOW = Date.UTC(2026, 0, 1, 12)

function pod(
  name: string,
  opts: { cpu: string; memory: string; annotations?: Record<string, string>; phase?: string },
): Pod {
  return {
    metadata: {
      name,
      namespace: "ns",
      uid: name,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      nodeName: "h1",
      containers: [
        { name: "c", image: "x", resources: { requests: { cpu: opts.cpu, memory: opts.memory } } },
      ],
    },
    status: { phase: opts.phase ?? "Running", startTime: new Date(NOW - 10_000).toISOString() },
  }
}

test("hollow pods use a fraction of their requests, or what their annotation says", () => {
  const s = hollowSummary(
    "h1",
    NOW - 60_000,
    [
      pod("a", { cpu: "200m", memory: "100Mi" }),
      pod("b", { cpu: "200m", memory: "100Mi", annotations: { [CPU_USAGE_ANNOTATION]: "1" } }),
      pod("pending", { cpu: "1", memory: "1Gi", phase: "Pending" }),
    ],
    NOW,
    { cpuFraction: 0.25 },
  )
  assert.deepEqual(
    s.pods.map((p) => [p.podRef.name, p.cpu.usageNanoCores, p.memory.workingSetBytes]),
    [
      ["a", 50e6, 50 * 2 ** 20],
      ["b", 1e9, 50 * 2 ** 20],
    ],
  )
  // 10 s at a full core
  assert.equal(s.pods[1]?.containers[0]?.cpu.usageCoreNanoSeconds, 10e9)
  assert.equal(s.node.cpu.usageNanoCores, 1.05e9)
})

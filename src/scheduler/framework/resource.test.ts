import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { podRequests } from "./resource.ts"

const c = (name: string, requests: Record<string, string>, restartPolicy?: string) => ({
  name,
  image: "x",
  resources: { requests },
  ...(restartPolicy ? { restartPolicy } : {}),
})

const cases: { name: string; pod: Pod; nonZero?: boolean; want: { milliCPU: number; memory: number } }[] = [
  {
    name: "sums containers",
    pod: {
      spec: { containers: [c("a", { cpu: "250m", memory: "1Gi" }), c("b", { cpu: "1", memory: "512Mi" })] },
    },
    want: { milliCPU: 1250, memory: 1536 * 2 ** 20 },
  },
  {
    name: "a larger init container wins, plus overhead",
    pod: {
      spec: {
        containers: [c("a", { cpu: "1", memory: "1Gi" })],
        initContainers: [c("i", { cpu: "2", memory: "512Mi" })],
        overhead: { cpu: "100m" },
      },
    },
    want: { milliCPU: 2100, memory: 2 ** 30 },
  },
  {
    name: "sidecars add to containers and to later init containers",
    pod: {
      spec: {
        containers: [c("a", { cpu: "1" })],
        initContainers: [c("s", { cpu: "500m" }, "Always"), c("i", { cpu: "2" })],
      },
    },
    want: { milliCPU: 2500, memory: 0 },
  },
  {
    name: "non-zero defaults for empty requests",
    pod: { spec: { containers: [c("a", {})] } },
    nonZero: true,
    want: { milliCPU: 100, memory: 200 * 2 ** 20 },
  },
]
for (const tc of cases) {
  test(`podRequests(): ${tc.name}`, () => {
    const r = podRequests(tc.pod, tc.nonZero)
    assert.deepEqual({ milliCPU: r.milliCPU, memory: r.memory }, tc.want)
  })
}

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

test("podRequests(): extended resources, absent requests and overhead, each counted once", () => {
  const pod: Pod = {
    spec: {
      containers: [
        c("a", { cpu: "500m", "example.com/gpu": "1", "ephemeral-storage": "1Gi" }),
        { name: "b", image: "x" },
        c("c", { memory: "64Mi", "example.com/gpu": "2" }),
      ],
      overhead: { cpu: "10m", "example.com/gpu": "1" },
    },
  }
  const want = (cpu: number, memory: number) => ({
    milliCPU: cpu,
    memory,
    ephemeralStorage: 2 ** 30,
    allowedPodNumber: 0,
    scalar: new Map([["example.com/gpu", 4]]),
  })
  assert.deepEqual(podRequests(pod), want(510, 64 * 2 ** 20))
  // Without a cpu (memory) request, a container counts 100m (200Mi) for scoring.
  assert.deepEqual(podRequests(pod, true), want(710, 464 * 2 ** 20))
  assert.deepEqual(podRequests({ spec: { containers: [] } }), {
    milliCPU: 0,
    memory: 0,
    ephemeralStorage: 0,
    allowedPodNumber: 0,
    scalar: new Map(),
  })
})

/** A pod asking for `spec` cpu whose status reports `applied` (allocated `allocated`), with its resize `conditions`. */
function resizing(
  spec: string,
  applied: string,
  allocated: string,
  conditions: { type: string; reason?: string }[],
  observed = 2,
): Pod {
  return {
    metadata: { name: "p", generation: 2 },
    spec: { containers: [c("a", { cpu: spec })] },
    status: {
      observedGeneration: observed,
      conditions: conditions.map((x) => ({ status: "True", ...x })),
      containerStatuses: [
        {
          name: "a",
          image: "x",
          imageID: "",
          ready: true,
          restartCount: 0,
          resources: { requests: { cpu: applied } },
          allocatedResources: { cpu: allocated },
        },
      ],
    },
  } as Pod
}

const resizeCases: { name: string; pod: Pod; want: number }[] = [
  { name: "settled: the spec's", pod: resizing("500m", "200m", "200m", []), want: 500 },
  {
    name: "not yet seen by the kubelet: the larger",
    pod: resizing("100m", "200m", "200m", [], 1),
    want: 200,
  },
  {
    name: "in progress: the largest of spec, applied and allocated",
    pod: resizing("100m", "200m", "300m", [{ type: "PodResizeInProgress" }]),
    want: 300,
  },
  {
    name: "deferred up: the spec's",
    pod: resizing("800m", "200m", "200m", [{ type: "PodResizePending", reason: "Deferred" }]),
    want: 800,
  },
  {
    name: "infeasible: what is applied and allocated alone",
    pod: resizing("4000", "200m", "200m", [{ type: "PodResizePending", reason: "Infeasible" }]),
    want: 200,
  },
]
for (const tc of resizeCases) {
  test(`podRequests() of a resized pod: ${tc.name}`, () => {
    assert.equal(podRequests(tc.pod).milliCPU, tc.want)
  })
}

test("podRequests() of a resized pod counts the status of sidecars, not of regular init containers", () => {
  const st = (name: string, cpu: string) => ({
    ...{ name, image: "x", imageID: "", ready: false, restartCount: 0 },
    ...{ resources: { requests: { cpu } }, allocatedResources: { cpu } },
  })
  const pod = {
    metadata: { name: "p", generation: 2 },
    spec: {
      initContainers: [c("setup", { cpu: "1" }), { ...c("proxy", { cpu: "100m" }), restartPolicy: "Always" }],
      containers: [c("a", { cpu: "100m" })],
    },
    status: {
      observedGeneration: 2,
      conditions: [{ type: "PodResizeInProgress", status: "True" }],
      // As upstream's UseStatusResources: a regular init container's status does not count.
      initContainerStatuses: [st("setup", "2"), st("proxy", "300m")],
      containerStatuses: [st("a", "100m")],
    },
  } as Pod
  // The largest of setup (1000m, its spec's) and the containers with the sidecar (100m + 300m).
  assert.equal(podRequests(pod).milliCPU, 1000)
  pod.spec!.initContainers![0]!.resources = { requests: { cpu: "300m" } }
  assert.equal(podRequests(pod).milliCPU, 400)
})

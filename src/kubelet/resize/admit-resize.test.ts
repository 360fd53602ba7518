import assert from "node:assert/strict"
import { test } from "node:test"
import type { Node, Pod } from "kubernetes-types/core/v1.js"
import { admitResize, type ResizeInput } from "./admit-resize.ts"

const node: Node = {
  metadata: { name: "n1" },
  status: {
    allocatable: { cpu: "4", memory: "4Gi", pods: "110" },
    capacity: { cpu: "4", memory: "4Gi", pods: "110" },
  },
}

function pod(name: string, cpu: string, memory: string, annotations?: Record<string, string>): Pod {
  return {
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      nodeName: "n1",
      containers: [{ name: "c", image: "x", resources: { requests: { cpu, memory } } }],
    },
  }
}

const cases: { name: string; input: ResizeInput; want: ReturnType<typeof admitResize> }[] = [
  {
    name: "fits beside the others",
    input: { pod: pod("p", "2", "1Gi"), node, others: [pod("o", "1", "1Gi")] },
    want: { fit: true },
  },
  {
    name: "cpu above the node's allocatable is Infeasible",
    input: { pod: pod("p", "5", "1Gi"), node, others: [] },
    want: {
      fit: false,
      reason: "Infeasible",
      message: "Node didn't have enough capacity: cpu, requested: 5000, capacity: 4000",
    },
  },
  {
    name: "memory is named first when both are over",
    input: { pod: pod("p", "5", "4500Mi"), node, others: [] },
    want: {
      fit: false,
      reason: "Infeasible",
      message: "Node didn't have enough capacity: memory, requested: 4718592000, capacity: 4294967296",
    },
  },
  {
    name: "what does not fit beside the others now is Deferred, with the admission's message",
    input: { pod: pod("p", "3", "1Gi"), node, others: [pod("o", "2", "1Gi")] },
    want: {
      fit: false,
      reason: "Deferred",
      message: "Node didn't have enough resource: cpu, requested: 3000, used: 2000, capacity: 4000",
    },
  },
  {
    name: "a static pod is Infeasible",
    input: { pod: pod("p", "1", "1Gi", { "kubernetes.io/config.mirror": "x" }), node, others: [] },
    want: { fit: false, reason: "Infeasible", message: "In-place resize of static-pods is not supported" },
  },
  {
    name: "without the node it is Deferred",
    input: { pod: pod("p", "1", "1Gi"), node: undefined, others: [] },
    want: { fit: false, reason: "Deferred", message: "Kubelet cannot get node info." },
  },
]

for (const c of cases) {
  test(`admitResize(): ${c.name}`, () => {
    assert.deepEqual(admitResize({ os: "linux", ...c.input }), c.want)
  })
}

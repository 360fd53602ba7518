import assert from "node:assert/strict"
import { test } from "node:test"
import type { Container, ContainerStatus } from "kubernetes-types/core/v1.js"
import type { ContainerInfo, ResourceLimits } from "../runtime/runtime.ts"
import { statusResources } from "./status-resources.ts"

function info(state: "running" | "exited", resources?: ResourceLimits): ContainerInfo {
  return {
    id: "1",
    sandboxId: "s",
    podUid: "u",
    name: "c",
    image: "x",
    attempt: 0,
    state,
    startedAt: 0,
    logPath: "/dev/null",
    ...(resources ? { resources } : {}),
  }
}

const c = (resources: Container["resources"]): Container => ({ name: "c", image: "x", resources })

const cases: {
  name: string
  input: [Container, ContainerInfo]
  want: Pick<ContainerStatus, "resources" | "allocatedResources">
}[] = [
  {
    name: "a running container reports what the runtime applied",
    input: [
      c({ requests: { cpu: "150m", memory: "64Mi" }, limits: { cpu: "300m", memory: "128Mi" } }),
      info("running", { cpuRequestMilli: 100, cpuLimitMilli: 200, memoryLimitBytes: 64 * 1024 * 1024 }),
    ],
    want: {
      allocatedResources: { cpu: "150m", memory: "64Mi" },
      resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
    },
  },
  {
    name: "values in their canonical form",
    input: [
      c({ requests: { cpu: "0.5" }, limits: { cpu: "1000m" } }),
      info("running", { cpuRequestMilli: 500, cpuLimitMilli: 1000 }),
    ],
    want: {
      allocatedResources: { cpu: "0.5" },
      resources: { requests: { cpu: "500m" }, limits: { cpu: "1" } },
    },
  },
  {
    name: "tiny cpu values on both sides are reported as allocated",
    input: [
      c({ requests: { cpu: "1m" }, limits: { cpu: "5m" } }),
      info("running", { cpuRequestMilli: 2, cpuLimitMilli: 10 }),
    ],
    want: {
      allocatedResources: { cpu: "1m" },
      resources: { requests: { cpu: "1m" }, limits: { cpu: "5m" } },
    },
  },
  {
    name: "a best-effort container reports empty resources",
    input: [c(undefined), info("running")],
    want: { resources: {} },
  },
  {
    name: "a container not running reports its allocated resources",
    input: [c({ requests: { cpu: "150m" } }), info("exited", { cpuRequestMilli: 100 })],
    want: { allocatedResources: { cpu: "150m" }, resources: { requests: { cpu: "150m" } } },
  },
]

for (const t of cases) {
  test(`statusResources(): ${t.name}`, () => {
    assert.deepEqual(statusResources(...t.input), t.want)
  })
}

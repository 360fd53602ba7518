import assert from "node:assert/strict"
import { test } from "node:test"
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { newContainerRecord, type PodRecord } from "../pod-state.ts"
import type { ContainerInfo, ContainerRuntime, ResourceLimits } from "../runtime/runtime.ts"
import { actuateResize, resizeInProgress, resizeNeed, restartsFor } from "./actuate.ts"

function info(id: string, resources?: ResourceLimits): ContainerInfo {
  return {
    id,
    sandboxId: "sb",
    podUid: "u",
    name: id,
    image: "x",
    attempt: 0,
    state: "running",
    startedAt: 0,
    logPath: "/dev/null",
    ...(resources ? { resources } : {}),
  }
}

const c = (
  name: string,
  resources: Container["resources"],
  resizePolicy?: Container["resizePolicy"],
): Container => ({
  name,
  image: "x",
  resources,
  ...(resizePolicy ? { resizePolicy } : {}),
})

const needs: { name: string; input: [Container, ContainerInfo]; want: ReturnType<typeof resizeNeed> }[] = [
  {
    name: "nothing when the runtime has the allocated limits",
    input: [
      c("a", { requests: { cpu: "100m" }, limits: { cpu: "200m", memory: "64Mi" } }),
      info("a", { cpuRequestMilli: 100, cpuLimitMilli: 200, memoryLimitBytes: 67108864 }),
    ],
    want: undefined,
  },
  {
    name: "cpu when a request or limit differs",
    input: [c("a", { requests: { cpu: "150m" } }), info("a", { cpuRequestMilli: 100 })],
    want: { cpu: true, memory: false },
  },
  {
    name: "memory when its limit differs (a request is not in cgroups)",
    input: [
      c("a", { requests: { memory: "32Mi" }, limits: { memory: "128Mi" } }),
      info("a", { memoryLimitBytes: 67108864 }),
    ],
    want: { cpu: false, memory: true },
  },
  {
    name: "tiny cpu requests and limits alike are no change",
    input: [
      c("a", { requests: { cpu: "1m" }, limits: { cpu: "5m" } }),
      info("a", { cpuRequestMilli: 2, cpuLimitMilli: 10 }),
    ],
    want: undefined,
  },
]

for (const t of needs) {
  test(`resizeNeed(): ${t.name}`, () => {
    assert.deepEqual(resizeNeed(...t.input), t.want)
  })
}

test("restartsFor(): a changed resource whose resizePolicy is RestartContainer", () => {
  const policy = [{ resourceName: "memory", restartPolicy: "RestartContainer" }]
  assert.equal(restartsFor(c("a", {}, policy), { cpu: true, memory: false }), false)
  assert.equal(restartsFor(c("a", {}, policy), { cpu: false, memory: true }), true)
  assert.equal(restartsFor(c("a", {}), { cpu: true, memory: true }), false, "NotRequired by default")
})

/** A runtime that records its resize calls; `usage` is each container's memory in use. */
function fakeRuntime(usage: Record<string, number> = {}) {
  const calls: string[] = []
  const runtime = {
    name: "fake",
    async updateResources(id: string, r: ResourceLimits) {
      calls.push(`container ${id} ${JSON.stringify(r)}`)
    },
    async updateSandboxResources(_id: string, r: ResourceLimits) {
      calls.push(`pod ${JSON.stringify(r)}`)
    },
    usage: (id: string) =>
      usage[id] === undefined
        ? undefined
        : { cpuNanos: 0, memoryBytes: usage[id], workingSetBytes: 0, rssBytes: 0 },
  } as unknown as ContainerRuntime
  return { runtime, calls }
}

function podOf(...cs: Container[]): Pod {
  return { metadata: { name: "p" }, spec: { containers: cs } }
}

function recordOf(running: Record<string, ResourceLimits>, podResources: ResourceLimits): PodRecord {
  const containers = new Map(
    Object.entries(running).map(([name, r]) => [name, { ...newContainerRecord(), current: info(name, r) }]),
  )
  return {
    uid: "u",
    key: "default/p",
    since: 0,
    containers,
    initContainers: new Map(),
    sandbox: { id: "sb", podUid: "u", ip: "127.0.0.1" },
    podResources,
  }
}

const MI = 1024 * 1024

test("actuateResize(): the pod's cgroup grows before the containers and shrinks after them", async () => {
  const { runtime, calls } = fakeRuntime()
  const pod = podOf(
    c("a", { requests: { cpu: "300m" }, limits: { cpu: "400m", memory: "64Mi" } }),
    c("b", { requests: { cpu: "100m" }, limits: { cpu: "100m", memory: "32Mi" } }),
  )
  const record = recordOf(
    {
      a: { cpuRequestMilli: 100, cpuLimitMilli: 200, memoryLimitBytes: 64 * MI },
      b: { cpuRequestMilli: 100, cpuLimitMilli: 100, memoryLimitBytes: 64 * MI },
    },
    { cpuRequestMilli: 200, cpuLimitMilli: 300, memoryLimitBytes: 128 * MI },
  )
  assert.equal(resizeInProgress(pod, record), true)
  assert.equal(await actuateResize(runtime, pod, record), undefined)
  assert.deepEqual(calls, [
    `pod {"cpuRequestMilli":400,"cpuLimitMilli":500,"memoryLimitBytes":${128 * MI}}`,
    `container a {"cpuRequestMilli":300,"cpuLimitMilli":400,"memoryLimitBytes":${64 * MI}}`,
    `container b {"cpuRequestMilli":100,"cpuLimitMilli":100,"memoryLimitBytes":${32 * MI}}`,
    `pod {"cpuRequestMilli":400,"cpuLimitMilli":500,"memoryLimitBytes":${96 * MI}}`,
  ])
  assert.deepEqual(record.podResources, {
    cpuRequestMilli: 400,
    cpuLimitMilli: 500,
    memoryLimitBytes: 96 * MI,
  })
})

test("actuateResize(): a container to restart for its resize is left to the sync; nothing to do is no call", async () => {
  const { runtime, calls } = fakeRuntime()
  const policy = [{ resourceName: "cpu", restartPolicy: "RestartContainer" }]
  const pod = podOf(c("a", { requests: { cpu: "300m" } }, policy))
  const record = recordOf({ a: { cpuRequestMilli: 100 } }, { cpuRequestMilli: 300 })
  assert.equal(await actuateResize(runtime, pod, record), undefined)
  assert.deepEqual(calls, [])
})

test("actuateResize(): a memory limit is not lowered below what is in use", async () => {
  const { runtime, calls } = fakeRuntime({ a: 50 * MI })
  const pod = podOf(c("a", { limits: { memory: "32Mi" } }))
  const record = recordOf({ a: { memoryLimitBytes: 64 * MI } }, { memoryLimitBytes: 64 * MI })
  assert.equal(
    await actuateResize(runtime, pod, record),
    `[attempting to set pod memory limit (${32 * MI}) below current usage (${50 * MI}), ` +
      `attempting to set container "a" memory limit (${32 * MI}) below current usage (${50 * MI})]`,
  )
  assert.deepEqual(calls, [])
})

test("actuateResize(): a runtime that cannot resize says so", async () => {
  const pod = podOf(c("a", { requests: { cpu: "300m" } }))
  const record = recordOf({ a: { cpuRequestMilli: 100 } }, {})
  const runtime = { name: "hollow" } as unknown as ContainerRuntime
  assert.equal(
    await actuateResize(runtime, pod, record),
    "the hollow runtime cannot resize containers in place",
  )
})

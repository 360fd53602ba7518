import assert from "node:assert/strict"
import { test } from "node:test"
import type { Container, Node, Pod } from "kubernetes-types/core/v1.js"
import type { EventRecorder } from "../../client/index.ts"
import { newContainerRecord, type PodRecord } from "../pod-state.ts"
import type { ResourceLimits } from "../runtime/runtime.ts"
import { allocationOf } from "./allocation.ts"
import { allocateResize, DEFERRED_RETRY_MS, retryDeferred, settleResize } from "./pod-resizes.ts"

const T0 = Date.UTC(2026, 0, 1)

const node: Node = {
  metadata: { name: "n1" },
  status: { allocatable: { cpu: "2", memory: "4Gi", pods: "110" } },
}

function pod(cpu: string, generation: number): Pod {
  const c: Container = { name: "app", image: "x", resources: { requests: { cpu } } }
  return {
    metadata: { name: "p", namespace: "default", uid: "u", generation },
    spec: { nodeName: "n1", containers: [c] },
  }
}

function record(running?: ResourceLimits): PodRecord {
  const containers = new Map(
    running
      ? [
          [
            "app",
            {
              ...newContainerRecord(),
              current: {
                id: "1",
                sandboxId: "sb",
                podUid: "u",
                name: "app",
                image: "x",
                attempt: 0,
                state: "running" as const,
                startedAt: 0,
                logPath: "/dev/null",
                resources: running,
              },
            },
          ],
        ]
      : [],
  )
  return { uid: "u", key: "default/p", since: 0, containers, initContainers: new Map() }
}

function recorder() {
  const events: string[] = []
  const r: EventRecorder = {
    event: (_o, type, reason, message) => void events.push(`${type} ${reason} ${message}`),
  }
  return { r, events }
}

function deps(r: EventRecorder, others: Pod[] = [], now = T0) {
  return { events: r, node: () => node, others: () => others, now }
}

test("allocateResize(): a resize that fits is allocated and started; settleResize() completes it once applied", () => {
  const { r, events } = recorder()
  const rec = record({ cpuRequestMilli: 100 })
  rec.allocated = allocationOf(pod("100m", 1))
  const allocated = allocateResize(deps(r), pod("500m", 2), rec)
  assert.deepEqual(allocated.spec?.containers[0]?.resources, { requests: { cpu: "500m" } })
  assert.equal(rec.resize?.inProgress?.observedGeneration, 2)
  assert.equal(rec.resize?.pending, undefined)
  assert.deepEqual(events, [
    'Normal ResizeStarted Pod resize started: {"containers":[{"name":"app","resources":{"requests":{"cpu":"500m"}}}],"generation":2}',
  ])
  // Not applied yet: still in progress.
  assert.equal(settleResize({ events: r, now: T0 }, allocated, rec), Infinity)
  assert.ok(rec.resize?.inProgress)
  ;(rec.containers.get("app") as any).current.resources = { cpuRequestMilli: 500 }
  settleResize({ events: r, now: T0 }, allocated, rec)
  assert.equal(rec.resize?.inProgress, undefined)
  assert.match(events[1] ?? "", /^Normal ResizeCompleted Pod resize completed: .*"generation":2}$/)
})

test("allocateResize(): Infeasible is decided once per generation, Deferred again after its wait or a retry", () => {
  const { r, events } = recorder()
  const rec = record({ cpuRequestMilli: 100 })
  rec.allocated = allocationOf(pod("100m", 1))
  const huge = allocateResize(deps(r), pod("5", 2), rec)
  assert.deepEqual(huge.spec?.containers[0]?.resources, { requests: { cpu: "100m" } }, "still as allocated")
  assert.equal(rec.resize?.pending?.reason, "Infeasible")
  assert.equal(
    rec.resize?.pending?.message,
    "Node didn't have enough capacity: cpu, requested: 5000, capacity: 2000",
  )
  allocateResize(deps(r, [], T0 + DEFERRED_RETRY_MS * 2), pod("5", 2), rec)
  assert.equal(events.length, 1, "not decided again")
  assert.match(
    events[0] ?? "",
    /^Warning ResizeInfeasible Pod resize Infeasible: .*"generation":2,"error":"Node didn't have enough capacity/,
  )

  const other = pod("1500m", 1)
  allocateResize(deps(r, [other]), pod("1", 3), rec)
  assert.equal(rec.resize?.pending?.reason, "Deferred")
  assert.equal(
    rec.resize?.pending?.message,
    "Node didn't have enough resource: cpu, requested: 1000, used: 1500, capacity: 2000",
  )
  assert.equal(settleResize({ events: r, now: T0 }, pod("100m", 3), rec), DEFERRED_RETRY_MS)
  allocateResize(deps(r, [], T0 + 1000), pod("1", 3), rec)
  assert.equal(rec.resize?.pending?.reason, "Deferred", "not looked at again before its wait")
  assert.deepEqual(retryDeferred([rec]), ["default/p"])
  const fits = allocateResize(deps(r, [], T0 + 1000), pod("1", 3), rec)
  assert.equal(rec.resize?.pending, undefined)
  assert.deepEqual(fits.spec?.containers[0]?.resources, { requests: { cpu: "1" } })
})

test("allocateResize(): a spec back to its allocation clears the pending resize", () => {
  const { r } = recorder()
  const rec = record({ cpuRequestMilli: 100 })
  rec.allocated = allocationOf(pod("100m", 1))
  allocateResize(deps(r), pod("5", 2), rec)
  assert.ok(rec.resize?.pending)
  allocateResize(deps(r), pod("100m", 3), rec)
  assert.equal(rec.resize?.pending, undefined)
})

test("settleResize(): an update that failed is an Error in PodResizeInProgress and a ResizeError warning", () => {
  const { r, events } = recorder()
  const rec = record({ cpuRequestMilli: 100 })
  rec.resize = { failed: 'attempting to set container "app" memory limit (1) below current usage (2)' }
  settleResize({ events: r, now: T0 }, pod("500m", 2), rec)
  assert.equal(rec.resize.inProgress?.reason, "Error")
  assert.equal(rec.resize.inProgress?.message, rec.resize.failed)
  assert.match(
    events[0] ?? "",
    /^Warning ResizeError Pod resize error: .*"error":"attempting to set container/,
  )
  // Its retries failing alike record nothing more; another error is recorded.
  settleResize({ events: r, now: T0 + 10_000 }, pod("500m", 2), rec)
  assert.equal(events.length, 1)
  rec.resize.failed = 'attempting to set container "app" memory limit (1) below current usage (3)'
  settleResize({ events: r, now: T0 + 20_000 }, pod("500m", 2), rec)
  assert.equal(events.length, 2)
  assert.match(events[1] ?? "", /below current usage \(3\)"/)
})

test("settleResize(): a pod that ended has no resize conditions", () => {
  const { r } = recorder()
  const rec = record()
  rec.resize = {
    pending: { type: "PodResizePending", status: "True" },
    inProgress: { type: "PodResizeInProgress", status: "True" },
  }
  rec.terminal = "Succeeded"
  settleResize({ events: r, now: T0 }, pod("1", 1), rec)
  assert.deepEqual([rec.resize.pending, rec.resize.inProgress], [undefined, undefined])
})

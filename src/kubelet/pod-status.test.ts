import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js"
import { newContainerRecord, type PodRecord } from "./pod-state.ts"
import { podStatus } from "./pod-status.ts"
import type { ContainerInfo } from "./runtime/runtime.ts"

const NOW = Date.parse("2026-01-02T03:04:05Z")

const pod: Pod = {
  metadata: { name: "p", namespace: "default", uid: "u1" },
  spec: {
    initContainers: [{ name: "setup", image: "busybox" }],
    containers: [
      { name: "a", image: "busybox" },
      { name: "b", image: "busybox" },
    ],
  },
}

function info(name: string, state: "running" | "exited", exitCode?: number): ContainerInfo {
  return {
    ...{ id: `id-${name}`, sandboxId: "sb", podUid: "u1", name, image: "busybox", attempt: 0 },
    ...{ state, startedAt: NOW - 1000, logPath: "/dev/null" },
    ...(exitCode !== undefined ? { exitCode, finishedAt: NOW } : {}),
  }
}

function record(): PodRecord {
  return { uid: "u1", key: "default/p", since: NOW, containers: new Map(), initContainers: new Map() }
}

const byType = (cs: PodCondition[] | undefined) =>
  Object.fromEntries((cs ?? []).map((c) => [c.type, [c.status, c.reason, c.message]]))

test("before anything starts: Pending, every container PodInitializing, upstream's condition messages", () => {
  const s = podStatus({ pod, record: record(), hostIP: "10.0.0.1", now: NOW })
  assert.equal(s.phase, "Pending")
  assert.equal(s.initContainerStatuses?.[0]?.state?.waiting?.reason, "PodInitializing")
  assert.deepEqual(
    s.containerStatuses?.map((c) => c.state?.waiting?.reason),
    ["PodInitializing", "PodInitializing"],
  )
  assert.deepEqual(byType(s.conditions), {
    PodReadyToStartContainers: ["False", undefined, undefined],
    Initialized: ["False", "ContainersNotInitialized", "containers with incomplete status: [setup]"],
    Ready: ["False", "ContainersNotReady", "containers with unready status: [a b]"],
    ContainersReady: ["False", "ContainersNotReady", "containers with unready status: [a b]"],
    PodScheduled: ["True", undefined, undefined],
  })
  assert.equal(s.podIP, undefined)
  // As upstream's default status of a container not started: no container id, no image id.
  assert.equal(s.containerStatuses?.[0]?.imageID, "")
  assert.equal(s.containerStatuses?.[0]?.containerID, undefined)
})

test("without init containers the app containers wait ContainerCreating; a failed pod's containers are PodFailed", () => {
  const plain: Pod = {
    ...pod,
    spec: { containers: [{ name: "a", image: "busybox" }], restartPolicy: "Never" },
  }
  const fresh = podStatus({ pod: plain, record: record(), hostIP: "10.0.0.1", now: NOW })
  assert.equal(fresh.containerStatuses?.[0]?.state?.waiting?.reason, "ContainerCreating")
  const r = record()
  r.containers.set("a", { ...newContainerRecord(), current: info("a", "exited", 1) })
  r.terminal = "Failed"
  const failed = podStatus({ pod: plain, record: r, hostIP: "10.0.0.1", now: NOW })
  assert.equal(failed.phase, "Failed")
  assert.deepEqual(byType(failed.conditions).Ready, ["False", "PodFailed", undefined])
  assert.deepEqual(byType(failed.conditions).ContainersReady, ["False", "PodFailed", undefined])
})

test("once init is done and one app container is ready, only the other is named", () => {
  const r = record()
  r.initContainers.set("setup", { ...newContainerRecord(), current: info("setup", "exited", 0) })
  r.containers.set("a", { ...newContainerRecord(), current: info("a", "running"), ready: true })
  r.containers.set("b", { ...newContainerRecord(), current: info("b", "running"), ready: false })
  const s = podStatus({ pod, record: r, hostIP: "10.0.0.1", now: NOW })
  assert.equal(s.phase, "Running")
  assert.deepEqual(byType(s.conditions).Initialized, ["True", undefined, undefined])
  assert.deepEqual(byType(s.conditions).Ready, [
    "False",
    "ContainersNotReady",
    "containers with unready status: [b]",
  ])
})

test("based on the status last handed over, a later sync against a stale copy of the pod computes that status again", () => {
  const plain: Pod = { ...pod, spec: { containers: [{ name: "a", image: "busybox" }] } }
  const r = record()
  const pending = podStatus({ pod: plain, record: r, hostIP: "10.0.0.1", now: NOW })
  r.sandbox = { id: "sb", podUid: "u1", ip: "127.0.0.2" }
  r.containers.set("a", {
    ...newContainerRecord(),
    current: info("a", "running"),
    ready: true,
    started: true,
  })
  const running = podStatus({ pod: plain, record: r, hostIP: "10.0.0.1", now: NOW, old: pending })
  assert.equal(running.phase, "Running")
  // The informer still holds the Pending write; a sync seconds later keeps the Running write's times.
  const stale: Pod = { ...plain, status: pending }
  const again = podStatus({ pod: stale, record: r, hostIP: "10.0.0.1", now: NOW + 5000, old: running })
  assert.deepEqual(again, running)
  // Against the stale copy itself, the conditions that changed since would move to the later time.
  const fromStale = podStatus({ pod: stale, record: r, hostIP: "10.0.0.1", now: NOW + 5000 })
  assert.notDeepEqual(fromStale.conditions, running.conditions)
  assert.equal(fromStale.startTime, running.startTime)
})

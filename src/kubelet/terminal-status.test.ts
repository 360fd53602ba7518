import assert from "node:assert/strict"
import { test } from "node:test"
import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.js"
import { hasPodInitialized, terminatedStatus } from "./terminal-status.ts"

const NOW = Date.parse("2026-01-02T03:04:05Z")
const waiting = (name: string): ContainerStatus => ({
  name,
  image: "busybox",
  imageID: "",
  ready: false,
  restartCount: 0,
  state: { waiting: { reason: "PodInitializing" } },
})
const done = (name: string, exitCode: number): ContainerStatus => ({
  ...waiting(name),
  state: { terminated: { exitCode, reason: exitCode ? "Error" : "Completed" } },
})
const running = (name: string): ContainerStatus => ({
  ...waiting(name),
  ready: true,
  state: { running: { startedAt: "2026-01-02T03:00:00Z" } },
})

function pod(inits: string[], status: Pod["status"]): Pod {
  return {
    metadata: {
      name: "p",
      namespace: "default",
      uid: "u",
      generation: 2,
      deletionTimestamp: "2026-01-02T03:04:00Z",
    },
    spec: {
      initContainers: inits.map((name) => ({ name, image: "busybox" })),
      containers: [{ name: "app", image: "busybox" }],
    },
    status,
  }
}

const initialized: { name: string; pod: Pod; want: boolean }[] = [
  { name: "no init containers", pod: pod([], {}), want: true },
  { name: "init containers, nothing reported", pod: pod(["i"], {}), want: false },
  {
    name: "the last init container completed",
    pod: pod(["i", "j"], { initContainerStatuses: [done("i", 0), done("j", 0)] }),
    want: true,
  },
  {
    name: "the last init container failed",
    pod: pod(["i"], { initContainerStatuses: [done("i", 1)], containerStatuses: [waiting("app")] }),
    want: false,
  },
  {
    name: "an app container left waiting",
    pod: pod(["i"], { initContainerStatuses: [waiting("i")], containerStatuses: [running("app")] }),
    want: true,
  },
]

for (const c of initialized) {
  test(`hasPodInitialized(): ${c.name}`, () => assert.equal(hasPodInitialized(c.pod), c.want))
}

const cases: {
  name: string
  pod: Pod
  want: { phase?: string; apps?: string[]; inits?: string[]; ready?: string[] } | undefined
}[] = [
  {
    name: "a running pod whose containers are gone: Failed, the app container unknown, not ready",
    pod: pod([], {
      phase: "Running",
      observedGeneration: 1,
      containerStatuses: [running("app")],
      conditions: [
        { type: "Ready", status: "True" },
        { type: "ContainersReady", status: "True" },
        { type: "PodScheduled", status: "True" },
      ],
    } as Pod["status"]),
    want: {
      phase: "Failed",
      apps: ["terminated 137 ContainerStatusUnknown"],
      ready: ["Ready False PodFailed", "ContainersReady False PodFailed", "PodScheduled True undefined"],
    },
  },
  {
    name: "not initialized: the app containers stay waiting; the started init containers end unknown",
    pod: pod(["i", "j", "k"], {
      phase: "Pending",
      initContainerStatuses: [done("i", 0), running("j"), waiting("k")],
      containerStatuses: [waiting("app")],
    }),
    want: {
      phase: "Failed",
      apps: ["waiting"],
      inits: ["terminated 0 Completed", "terminated 137 ContainerStatusUnknown", "waiting"],
    },
  },
  {
    name: "already ended at this generation: nothing to write",
    pod: pod([], {
      phase: "Succeeded",
      observedGeneration: 2,
      containerStatuses: [done("app", 0)],
    } as Pod["status"]),
    want: undefined,
  },
  {
    name: "ended at an older generation: written again with this one, phase kept",
    pod: pod([], {
      phase: "Succeeded",
      observedGeneration: 1,
      containerStatuses: [done("app", 0)],
    } as Pod["status"]),
    want: { phase: "Succeeded", apps: ["terminated 0 Completed"] },
  },
]

const show = (s: ContainerStatus) => {
  const t = s.state?.terminated
  return t ? `terminated ${t.exitCode} ${t.reason}` : s.state?.running ? "running" : "waiting"
}

for (const c of cases) {
  test(`terminatedStatus(): ${c.name}`, () => {
    const s = terminatedStatus(c.pod, NOW)
    if (!c.want) return assert.equal(s, undefined)
    assert.ok(s)
    assert.equal(s.observedGeneration, 2)
    assert.equal(s.phase, c.want.phase)
    if (c.want.apps) assert.deepEqual(s.containerStatuses?.map(show), c.want.apps)
    if (c.want.inits) assert.deepEqual(s.initContainerStatuses?.map(show), c.want.inits)
    if (c.want.ready)
      assert.deepEqual(
        s.conditions?.map((x) => `${x.type} ${x.status} ${x.reason}`),
        c.want.ready,
      )
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.js"
import { podPrinter } from "./pod.ts"
import { MIN, NOW, ago, meta } from "./testdata.ts"

function running(name: string, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    name,
    image: "nginx",
    imageID: "",
    ready: true,
    restartCount: 0,
    started: true,
    state: { running: { startedAt: ago(4 * MIN) } },
    ...extra,
  }
}

function waiting(name: string, reason: string, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    name,
    image: "nginx",
    imageID: "",
    ready: false,
    restartCount: 0,
    state: { waiting: { reason } },
    ...extra,
  }
}

function terminated(name: string, exitCode: number, reason?: string): ContainerStatus {
  return {
    name,
    image: "busybox",
    imageID: "",
    ready: false,
    restartCount: 0,
    state: { terminated: { exitCode, ...(reason ? { reason } : {}) } },
  }
}

function pod(
  extra: { spec?: Partial<Pod["spec"]>; status?: Pod["status"]; meta?: Pod["metadata"] } = {},
): Pod {
  return {
    metadata: meta("web", extra.meta ?? {}),
    spec: { containers: [{ name: "app", image: "nginx" }], ...extra.spec },
    status: extra.status ?? {},
  }
}

const READY = { type: "Ready", status: "True" }
const INITIALIZED = { type: "Initialized", status: "True" }

/** Cells: NAME READY STATUS RESTARTS AGE IP NODE NOMINATED-NODE READINESS-GATES. */
const cases: { name: string; pod: Pod; want: (string | number)[] }[] = [
  {
    name: "pending and unscheduled",
    pod: pod({ status: { phase: "Pending" } }),
    want: ["web", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "running and ready on a node",
    pod: pod({
      spec: { nodeName: "n1" },
      status: {
        phase: "Running",
        podIP: "10.0.0.5",
        conditions: [READY],
        containerStatuses: [running("app")],
      },
    }),
    want: ["web", "1/1", "Running", "0", "5m", "10.0.0.5", "n1", "<none>", "<none>"],
  },
  {
    name: "podIPs first, dual stack",
    pod: pod({
      status: { phase: "Pending", podIP: "10.0.0.6", podIPs: [{ ip: "10.0.0.6" }, { ip: "fd00::6" }] },
    }),
    want: ["web", "0/1", "Pending", "0", "5m", "10.0.0.6", "<none>", "<none>", "<none>"],
  },
  {
    name: "crash loop with restarts and their age",
    pod: pod({
      status: {
        phase: "Running",
        containerStatuses: [
          waiting("app", "CrashLoopBackOff", {
            restartCount: 3,
            lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * MIN) } },
          }),
        ],
      },
    }),
    want: ["web", "0/1", "CrashLoopBackOff", "3 (5m ago)", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "restarts without a termination time",
    pod: pod({ status: { phase: "Running", containerStatuses: [running("app", { restartCount: 2 })] } }),
    want: ["web", "1/1", "Running", "2", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "completed",
    pod: pod({ status: { phase: "Succeeded", containerStatuses: [terminated("app", 0, "Completed")] } }),
    want: ["web", "0/1", "Completed", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "terminated without a reason shows the exit code",
    pod: pod({ status: { phase: "Failed", containerStatuses: [terminated("app", 137)] } }),
    want: ["web", "0/1", "ExitCode:137", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "completed container beside a running one is Running when the pod is ready",
    pod: pod({
      spec: {
        containers: [
          { name: "app", image: "nginx" },
          { name: "job", image: "busybox" },
        ],
      },
      status: {
        phase: "Running",
        conditions: [READY],
        containerStatuses: [running("app"), terminated("job", 0, "Completed")],
      },
    }),
    want: ["web", "1/2", "Running", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "completed container beside a running one is NotReady otherwise",
    pod: pod({
      spec: {
        containers: [
          { name: "app", image: "nginx" },
          { name: "job", image: "busybox" },
        ],
      },
      status: { phase: "Running", containerStatuses: [running("app"), terminated("job", 0, "Completed")] },
    }),
    want: ["web", "1/2", "NotReady", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "init containers in progress",
    pod: pod({
      spec: {
        initContainers: [
          { name: "i1", image: "busybox" },
          { name: "i2", image: "busybox" },
        ],
      },
      status: {
        phase: "Pending",
        initContainerStatuses: [terminated("i1", 0, "Completed"), waiting("i2", "PodInitializing")],
        containerStatuses: [waiting("app", "PodInitializing")],
      },
    }),
    want: ["web", "0/1", "Init:1/2", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "init container failing",
    pod: pod({
      spec: { initContainers: [{ name: "i1", image: "busybox" }] },
      status: {
        phase: "Pending",
        initContainerStatuses: [waiting("i1", "CrashLoopBackOff", { restartCount: 4 })],
      },
    }),
    want: ["web", "0/1", "Init:CrashLoopBackOff", "4", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "init container exited non-zero",
    pod: pod({
      spec: { initContainers: [{ name: "i1", image: "busybox" }] },
      status: { phase: "Pending", initContainerStatuses: [terminated("i1", 2)] },
    }),
    want: ["web", "0/1", "Init:ExitCode:2", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "started sidecar counts as a ready container",
    pod: pod({
      spec: { initContainers: [{ name: "side", image: "envoy", restartPolicy: "Always" }] },
      status: {
        phase: "Running",
        conditions: [INITIALIZED, READY],
        initContainerStatuses: [running("side", { restartCount: 1 })],
        containerStatuses: [running("app")],
      },
    }),
    want: ["web", "2/2", "Running", "1", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "deleting pod is Terminating",
    pod: pod({
      meta: { deletionTimestamp: ago(0) },
      status: { phase: "Running", conditions: [READY], containerStatuses: [running("app")] },
    }),
    want: ["web", "1/1", "Terminating", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "deleting pod on a lost node is Unknown",
    pod: pod({ meta: { deletionTimestamp: ago(0) }, status: { phase: "Running", reason: "NodeLost" } }),
    want: ["web", "0/1", "Unknown", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "deleting a finished pod keeps its status",
    pod: pod({ meta: { deletionTimestamp: ago(0) }, status: { phase: "Succeeded" } }),
    want: ["web", "0/1", "Succeeded", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "scheduling gated",
    pod: pod({
      status: {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
      },
    }),
    want: ["web", "0/1", "SchedulingGated", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
  },
  {
    name: "status reason wins over the phase; nominated node and readiness gates",
    pod: pod({
      spec: { readinessGates: [{ conditionType: "example.com/ok" }, { conditionType: "example.com/lb" }] },
      status: {
        phase: "Failed",
        reason: "Evicted",
        nominatedNodeName: "n2",
        conditions: [{ type: "example.com/ok", status: "True" }],
      },
    }),
    want: ["web", "0/1", "Evicted", "0", "5m", "<none>", "<none>", "n2", "1/2"],
  },
]

for (const c of cases) {
  test(`podPrinter.cells() ${c.name}`, () => {
    const cells = podPrinter.cells(c.pod, { now: NOW })
    assert.equal(cells.length, podPrinter.columns.length)
    assert.deepEqual(cells, c.want)
  })
}

test("podPrinter.conditions() marks finished pods Completed", () => {
  assert.equal(podPrinter.conditions?.(pod({ status: { phase: "Succeeded" } }))?.[0]?.reason, "Succeeded")
  assert.equal(podPrinter.conditions?.(pod({ status: { phase: "Failed" } }))?.[0]?.reason, "Failed")
  assert.equal(podPrinter.conditions?.(pod({ status: { phase: "Running" } })), undefined)
})

test("podPrinter.columns are upstream's, wide ones at priority 1", () => {
  assert.deepEqual(
    podPrinter.columns.map((c) => [c.name, c.priority]),
    [
      ["Name", 0],
      ["Ready", 0],
      ["Status", 0],
      ["Restarts", 0],
      ["Age", 0],
      ["IP", 1],
      ["Node", 1],
      ["Nominated Node", 1],
      ["Readiness Gates", 1],
    ],
  )
})

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

const generationCases: {
  name: string
  pod: Pod
  want: { status: number | undefined; conditions: Record<string, number | undefined> }
}[] = [
  {
    name: "a pod with a generation: the status and every condition the kubelet owns carry it",
    pod: { ...pod, metadata: { ...pod.metadata, generation: 4 } },
    want: {
      status: 4,
      conditions: {
        PodReadyToStartContainers: 4,
        Initialized: 4,
        Ready: 4,
        ContainersReady: 4,
        PodScheduled: 4,
      },
    },
  },
  {
    name: "a pod without one (stored before generations): none",
    pod,
    want: {
      status: undefined,
      conditions: {
        PodReadyToStartContainers: undefined,
        Initialized: undefined,
        Ready: undefined,
        ContainersReady: undefined,
        PodScheduled: undefined,
      },
    },
  },
  {
    name: "others' conditions are kept first, as written, and the binding's PodScheduled is the kubelet's",
    pod: {
      ...pod,
      metadata: { ...pod.metadata, generation: 2 },
      status: {
        conditions: [
          { type: "PodScheduled", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" },
          { type: "example.com/gate", status: "True", observedGeneration: 1 } as PodCondition,
          { type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager" },
        ],
      },
    },
    want: {
      status: 2,
      conditions: {
        "example.com/gate": 1,
        DisruptionTarget: undefined,
        PodReadyToStartContainers: 2,
        Initialized: 2,
        Ready: 2,
        ContainersReady: 2,
        PodScheduled: 2,
      },
    },
  },
]

for (const c of generationCases) {
  test(`podStatus() generations: ${c.name}`, () => {
    const s = podStatus({ pod: c.pod, record: record(), hostIP: "10.0.0.1", now: NOW })
    assert.equal(s.observedGeneration, c.want.status)
    const got = Object.fromEntries(
      (s.conditions ?? []).map((x) => [x.type, (x as { observedGeneration?: number }).observedGeneration]),
    )
    assert.deepEqual(Object.keys(got), Object.keys(c.want.conditions), "types, in order")
    assert.deepEqual(got, c.want.conditions)
    const scheduled = s.conditions?.find((x) => x.type === "PodScheduled")
    const before = c.pod.status?.conditions?.find((x) => x.type === "PodScheduled")
    if (before) assert.equal(scheduled?.lastTransitionTime, before.lastTransitionTime)
  })
}

const app: Pod = {
  metadata: {
    name: "p",
    namespace: "default",
    uid: "u1",
    generation: 3,
    deletionTimestamp: "2026-01-02T03:04:00Z",
  },
  spec: { containers: [{ name: "a", image: "busybox" }] },
}

const terminalCases: {
  name: string
  pod: Pod
  exits: (number | "running" | "never")[]
  terminal: boolean
  want: { phase: string; states: string[]; ready: [string, string | undefined] }
}[] = [
  {
    name: "deleted, still running: Running and ready",
    pod: app,
    exits: ["running"],
    terminal: false,
    want: { phase: "Running", states: ["running"], ready: ["True", undefined] },
  },
  {
    name: "deleted, stopped in success though restartPolicy Always: Succeeded",
    pod: app,
    exits: [0],
    terminal: true,
    want: { phase: "Succeeded", states: ["terminated 0 Completed"], ready: ["False", "PodCompleted"] },
  },
  {
    name: "deleted, killed by the stop: Failed",
    pod: app,
    exits: [143],
    terminal: true,
    want: { phase: "Failed", states: ["terminated 143 Error"], ready: ["False", "PodFailed"] },
  },
  {
    name: "deleted, an exit under restartPolicy Always is terminated, not CrashLoopBackOff",
    pod: app,
    exits: [1],
    terminal: false,
    want: { phase: "Running", states: ["terminated 1 Error"], ready: ["False", "ContainersNotReady"] },
  },
  {
    name: "deleted before its container ever started: Failed, the container ContainerStatusUnknown",
    pod: app,
    exits: ["never"],
    terminal: true,
    want: {
      phase: "Failed",
      states: ["terminated 137 ContainerStatusUnknown"],
      ready: ["False", "PodFailed"],
    },
  },
]

for (const c of terminalCases) {
  test(`podStatus() of a deleted pod: ${c.name}`, () => {
    const r = record()
    r.sandbox = { id: "sb", podUid: "u1", ip: "127.0.0.2" }
    for (const [i, e] of c.exits.entries()) {
      const name = c.pod.spec?.containers[i]?.name ?? ""
      if (e === "never") continue
      const current = e === "running" ? info(name, "running") : info(name, "exited", e)
      r.containers.set(name, { ...newContainerRecord(), current, ready: true, started: true })
    }
    const s = podStatus({ pod: c.pod, record: r, hostIP: "10.0.0.1", now: NOW, terminal: c.terminal })
    assert.equal(s.phase, c.want.phase)
    const states = (s.containerStatuses ?? []).map((x) => {
      const t = x.state?.terminated
      if (t) return `terminated ${t.exitCode} ${t.reason}`
      return x.state?.running ? "running" : `waiting ${x.state?.waiting?.reason}`
    })
    assert.deepEqual(states, c.want.states)
    const ready = byType(s.conditions).Ready
    assert.deepEqual([ready?.[0], ready?.[1]], c.want.ready)
    assert.equal(s.podIP, "127.0.0.2", "the pod's IP stays to the end")
    assert.equal(s.observedGeneration, 3)
  })
}

/** A pod with one app container "a" and the readiness gates `gates`, with `conditions` posted. */
function gatedPod(gates: string[], conditions: PodCondition[] = []): Pod {
  return {
    metadata: { name: "p", namespace: "default", uid: "u1" },
    spec: {
      containers: [{ name: "a", image: "busybox" }],
      restartPolicy: "Never",
      readinessGates: gates.map((conditionType) => ({ conditionType })),
    },
    status: { conditions },
  }
}

const readyCases: {
  name: string
  pod: Pod
  container: "ready" | "unready" | 0
  want: { ready: unknown[]; containersReady: unknown[] }
}[] = [
  {
    name: "no gates, container ready: Ready",
    pod: gatedPod([]),
    container: "ready",
    want: { ready: ["True", undefined, undefined], containersReady: ["True", undefined, undefined] },
  },
  {
    name: "a gate without its condition: not Ready, its containers are",
    pod: gatedPod(["example.com/lb"]),
    container: "ready",
    want: {
      ready: [
        "False",
        "ReadinessGatesNotReady",
        'corresponding condition of pod readiness gate "example.com/lb" does not exist.',
      ],
      containersReady: ["True", undefined, undefined],
    },
  },
  {
    name: "a gate whose condition is False: not Ready",
    pod: gatedPod(["example.com/lb"], [{ type: "example.com/lb", status: "False" }]),
    container: "ready",
    want: {
      ready: [
        "False",
        "ReadinessGatesNotReady",
        'the status of pod readiness gate "example.com/lb" is not "True", but False',
      ],
      containersReady: ["True", undefined, undefined],
    },
  },
  {
    name: "every gate's condition True: Ready",
    pod: gatedPod(
      ["example.com/lb", "example.com/dns"],
      [
        { type: "example.com/dns", status: "True" },
        { type: "example.com/lb", status: "True" },
      ],
    ),
    container: "ready",
    want: { ready: ["True", undefined, undefined], containersReady: ["True", undefined, undefined] },
  },
  {
    name: "containers not ready come first: ContainersNotReady, the gates unnamed",
    pod: gatedPod(["example.com/lb"]),
    container: "unready",
    want: {
      ready: ["False", "ContainersNotReady", "containers with unready status: [a]"],
      containersReady: ["False", "ContainersNotReady", "containers with unready status: [a]"],
    },
  },
  {
    name: "a Succeeded pod is PodCompleted, whatever its gates",
    pod: gatedPod(["example.com/lb"], [{ type: "example.com/lb", status: "True" }]),
    container: 0,
    want: {
      ready: ["False", "PodCompleted", undefined],
      containersReady: ["False", "PodCompleted", undefined],
    },
  },
  {
    name: "a gate may name a kubelet condition made before Ready",
    pod: gatedPod(["Initialized"]),
    container: "ready",
    want: { ready: ["True", undefined, undefined], containersReady: ["True", undefined, undefined] },
  },
]

for (const c of readyCases) {
  test(`podStatus() Ready and readiness gates: ${c.name}`, () => {
    const r = record()
    r.sandbox = { id: "sb", podUid: "u1", ip: "127.0.0.2" }
    const current = c.container === 0 ? info("a", "exited", 0) : info("a", "running")
    r.containers.set("a", { ...newContainerRecord(), current, ready: c.container === "ready", started: true })
    const s = podStatus({ pod: c.pod, record: r, hostIP: "10.0.0.1", now: NOW })
    const got = byType(s.conditions)
    assert.deepEqual(got.Ready, c.want.ready)
    assert.deepEqual(got.ContainersReady, c.want.containersReady)
    // The gates' conditions are others': carried over as posted.
    for (const posted of c.pod.status?.conditions ?? [])
      assert.deepEqual(got[posted.type]?.[0], posted.status)
  })
}

test("a StartError's message is the runtime's, then the container's own termination message after ': '", () => {
  const plain: Pod = {
    ...pod,
    spec: { containers: [{ name: "a", image: "busybox" }], restartPolicy: "Never" },
  }
  const failed: ContainerInfo = {
    ...info("a", "exited", 128),
    startedAt: 0,
    reason: "StartError",
    message: 'unable to start container process: exec: "x": executable file not found in $PATH',
  }
  const cases = [
    { own: undefined, want: failed.message },
    { own: "", want: failed.message },
    { own: "written", want: `${failed.message}: written` },
  ]
  for (const { own, want } of cases) {
    const r = record()
    const termination = new Map([
      [failed.id, { source: { fallbackToLogs: false }, ...(own !== undefined ? { message: own } : {}) }],
    ])
    r.containers.set("a", { ...newContainerRecord(), current: failed, termination })
    const s = podStatus({ pod: plain, record: r, hostIP: "10.0.0.1", now: NOW })
    assert.equal(s.phase, "Failed")
    assert.deepEqual(s.containerStatuses?.[0]?.state?.terminated, {
      exitCode: 128,
      reason: "StartError",
      message: want,
      // Never started: the epoch, as upstream's kubelet reports containerd's missing start.
      startedAt: "1970-01-01T00:00:00Z",
      finishedAt: "2026-01-02T03:04:05Z",
      containerID: "process://id-a",
    })
  }
})

test("a hostNetwork pod's IPs are the node's, from its first status on, whatever its sandbox's address", () => {
  const hostNet: Pod = {
    ...pod,
    spec: { ...pod.spec, containers: pod.spec?.containers ?? [], hostNetwork: true },
  }
  const cases = [
    { name: "no sandbox yet", sandbox: undefined },
    { name: "a sandbox", sandbox: { id: "sb", podUid: "u1", ip: "127.244.0.9" } },
  ]
  for (const { name, sandbox } of cases) {
    const r = record()
    if (sandbox) r.sandbox = sandbox
    const s = podStatus({ pod: hostNet, record: r, hostIP: "10.0.0.1", now: NOW })
    assert.deepEqual(
      [s.podIP, s.podIPs, s.hostIP, s.hostIPs],
      ["10.0.0.1", [{ ip: "10.0.0.1" }], "10.0.0.1", [{ ip: "10.0.0.1" }]],
      name,
    )
  }
  const r = record()
  r.sandbox = { id: "sb", podUid: "u1", ip: "127.244.0.9" }
  assert.equal(podStatus({ pod, record: r, hostIP: "10.0.0.1", now: NOW }).podIP, "127.244.0.9")
})

test("the QoS class is the stored one, as upstream's GetPodQOS reads it; computed while there is none", () => {
  // Its containers alone would make it BestEffort: the class set at creation stays.
  const stored: Pod = { ...pod, status: { qosClass: "Burstable" } }
  assert.equal(
    podStatus({ pod: stored, record: record(), hostIP: "10.0.0.1", now: NOW }).qosClass,
    "Burstable",
  )
  assert.equal(podStatus({ pod, record: record(), hostIP: "10.0.0.1", now: NOW }).qosClass, "BestEffort")
})

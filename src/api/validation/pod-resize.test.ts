import assert from "node:assert/strict"
import { test } from "node:test"
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { container, pod, printed, stored } from "./_fixtures.ts"
import { validatePod } from "./pod.ts"
import { validatePodResize } from "./pod-resize.ts"

type Res = NonNullable<Container["resources"]>

const burstable: Res = { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } }
const guaranteed: Res = { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "100m", memory: "64Mi" } }

/** A stored, running pod whose node reports resources, with containers `cs` (and init containers). */
function running(cs: Container[], inits: Container[] = [], meta: Pod["metadata"] = {}): Pod {
  const p = stored(
    pod({ nodeName: "n1", containers: cs, ...(inits.length ? { initContainers: inits } : {}) }, meta),
  )
  const status = cs.map((c) => ({
    name: c.name,
    image: c.image ?? "",
    imageID: "",
    ready: true,
    restartCount: 0,
    state: { running: { startedAt: "2024-01-01T00:00:00Z" } },
    resources: c.resources ?? {},
  }))
  return { ...p, status: { phase: "Running", qosClass: qos(cs), containerStatuses: status } }
}

function qos(cs: Container[]): string {
  const r = cs[0]?.resources
  if (!r || (!r.requests && !r.limits)) return "BestEffort"
  return JSON.stringify(r.requests) === JSON.stringify(r.limits) ? "Guaranteed" : "Burstable"
}

/** `old` with the containers' resources replaced, as the resize strategy writes them (status kept). */
function resized(old: Pod, resources: (Res | undefined)[], inits: (Res | undefined)[] = []): Pod {
  const set = (cs: Container[] | undefined, rs: (Res | undefined)[]) =>
    cs?.map((c, i) => (i < rs.length ? { ...c, resources: rs[i] ?? {} } : c))
  return {
    ...old,
    spec: {
      ...old.spec!,
      containers: set(old.spec!.containers, resources)!,
      ...(old.spec!.initContainers ? { initContainers: set(old.spec!.initContainers, inits) } : {}),
    },
  }
}

const web = (resources: Res, extra: Partial<Container> = {}) => container("web", { resources, ...extra })
const sidecar = (resources: Res) => container("proxy", { resources, restartPolicy: "Always" })
const init = (resources: Res) => container("setup", { resources })

const cases: { name: string; old: Pod; next: (old: Pod) => Pod; want: string[] }[] = [
  {
    name: "a cpu increase within the QoS class",
    old: running([web(burstable)]),
    next: (o) => resized(o, [{ ...burstable, requests: { cpu: "150m", memory: "64Mi" } }]),
    want: [],
  },
  {
    name: "a Guaranteed pod resized on both requests and limits",
    old: running([web(guaranteed)]),
    next: (o) =>
      resized(o, [{ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1000m", memory: "1Gi" } }]),
    want: [],
  },
  {
    name: "memory limits may go down and be added (since 1.34)",
    old: running([
      web({ requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } }),
    ]),
    next: (o) =>
      resized(o, [{ requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "96Mi" } }]),
    want: [],
  },
  {
    name: "a change of QoS class",
    old: running([web(burstable)]),
    next: (o) => resized(o, [guaranteed]),
    want: ['spec: Invalid value: "Burstable": Pod QOS Class may not change as a result of resizing'],
  },
  {
    name: "requests added to a BestEffort pod",
    old: running([web({})]),
    next: (o) => resized(o, [{ requests: { memory: "64Mi" } }]),
    want: ['spec: Invalid value: "BestEffort": Pod QOS Class may not change as a result of resizing'],
  },
  {
    name: "removed limits and requests",
    old: running([web(burstable)]),
    next: (o) => resized(o, [{ requests: { cpu: "100m" }, limits: {} }]),
    want: [
      "spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed",
      "spec.containers[0].resources.limits: Forbidden: resource limits cannot be removed",
    ],
  },
  {
    name: "another resource than cpu and memory",
    old: running([web({ ...burstable, requests: { ...burstable.requests, "ephemeral-storage": "1Gi" } })]),
    next: (o) =>
      resized(o, [{ ...burstable, requests: { ...burstable.requests, "ephemeral-storage": "2Gi" } }]),
    want: ["spec: Forbidden: only cpu and memory resources are mutable"],
  },
  {
    name: "the same quantity written another way is no change",
    old: running([web({ ...burstable, requests: { ...burstable.requests, "ephemeral-storage": "1Gi" } })]),
    next: (o) =>
      resized(o, [{ ...burstable, requests: { ...burstable.requests, "ephemeral-storage": "1024Mi" } }]),
    want: [],
  },
  {
    name: "a changed resizePolicy",
    old: running([web(burstable)]),
    next: (o) => ({
      ...o,
      spec: {
        ...o.spec!,
        containers: [
          web(burstable, { resizePolicy: [{ resourceName: "cpu", restartPolicy: "RestartContainer" }] }),
        ],
      },
    }),
    want: ["spec: Forbidden: only cpu and memory resources are mutable"],
  },
  {
    name: "reordered containers",
    old: running([container("a", { resources: burstable }), container("b", { resources: burstable })]),
    next: (o) => ({ ...o, spec: { ...o.spec!, containers: [...o.spec!.containers].reverse() } }),
    want: [
      "spec.containers[0].name: Forbidden: containers may not be renamed or reordered on resize",
      "spec.containers[1].name: Forbidden: containers may not be renamed or reordered on resize",
    ],
  },
  {
    name: "an added container",
    old: running([web(burstable)]),
    next: (o) => ({ ...o, spec: { ...o.spec!, containers: [...o.spec!.containers, container("b")] } }),
    want: ["spec.containers: Forbidden: containers may not be added or removed on resize"],
  },
  {
    name: "a sidecar's cpu",
    old: running([web(burstable)], [sidecar(burstable)]),
    next: (o) => resized(o, [], [{ ...burstable, limits: { cpu: "300m", memory: "128Mi" } }]),
    want: [],
  },
  {
    name: "a non-sidecar init container's resources",
    old: running([web(burstable)], [init(burstable)]),
    next: (o) => resized(o, [], [{ ...burstable, limits: { cpu: "300m", memory: "128Mi" } }]),
    want: ["spec: Forbidden: resources for non-sidecar init containers are immutable"],
  },
  {
    name: "a static pod",
    old: running([web(burstable)], [], { annotations: { "kubernetes.io/config.mirror": "x" } }),
    next: (o) => resized(o, [{ ...burstable, limits: { cpu: "300m", memory: "128Mi" } }]),
    want: [": Forbidden: static pods cannot be resized"],
  },
  {
    name: "a Windows pod",
    old: (() => {
      const p = running([web(burstable)])
      return { ...p, spec: { ...p.spec!, os: { name: "windows" } } }
    })(),
    next: (o) => resized(o, [{ ...burstable, limits: { cpu: "300m", memory: "128Mi" } }]),
    want: [": Forbidden: windows pods cannot be resized"],
  },
  {
    name: "a pod with pod-level resources",
    old: (() => {
      const p = running([web(burstable)])
      return { ...p, spec: { ...p.spec!, resources: { limits: { cpu: "1" } } } as Pod["spec"] }
    })(),
    next: (o) => resized(o, [{ ...burstable, limits: { cpu: "300m", memory: "128Mi" } }]),
    want: [": Forbidden: pods with pod-level resources cannot be resized"],
  },
  {
    name: "a running pod whose node reports no resources",
    old: (() => {
      const p = running([web(burstable)])
      const [s] = p.status!.containerStatuses!
      const { resources: _r, ...rest } = s!
      return { ...p, status: { ...p.status, containerStatuses: [rest] } }
    })(),
    next: (o) => resized(o, [{ ...burstable, limits: { cpu: "300m", memory: "128Mi" } }]),
    want: ["spec: Forbidden: Pod running on node without support for resize"],
  },
  {
    name: "a request above its limit",
    old: running([web(burstable)]),
    next: (o) => resized(o, [{ ...burstable, requests: { cpu: "300m", memory: "64Mi" } }]),
    want: [
      'spec.containers[0].resources.requests: Invalid value: "300m": must be less than or equal to cpu limit of 200m',
    ],
  },
]

for (const c of cases) {
  test(`validatePodResize() ${c.name}`, () => {
    assert.deepEqual(printed(validatePodResize(c.next(c.old), c.old)), c.want)
  })
}

test("validatePod() still refuses a resource change through the main resource", () => {
  const old = running([web(burstable)])
  const errs = printed(
    validatePod(resized(old, [{ ...burstable, limits: { cpu: "300m", memory: "128Mi" } }]), old),
  )
  assert.equal(errs.length, 1)
  assert.match(
    errs[0]!,
    /^spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`/,
  )
})

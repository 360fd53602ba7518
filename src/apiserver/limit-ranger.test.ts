import assert from "node:assert/strict"
import { after, before, describe, test } from "node:test"
import type { Container, LimitRange, PersistentVolumeClaim, Pod } from "kubernetes-types/core/v1.js"
import { ApiError, LimitRanges, Namespaces, PersistentVolumeClaims, Pods } from "../api/index.ts"
import { type ClientEnv, startClientEnv } from "../testing/index.ts"
import { claimViolations, defaultPod, LIMIT_RANGER_ANNOTATION, podViolations } from "./limit-ranger.ts"

function pod(name: string, containers: Container[]): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers } }
}

function range(limits: NonNullable<LimitRange["spec"]>["limits"]): LimitRange {
  return { apiVersion: "v1", kind: "LimitRange", metadata: { name: "lr" }, spec: { limits } }
}

describe("defaultPod()", () => {
  test("fills missing limits and requests and notes them in the annotation", () => {
    const p = pod("p", [
      { name: "app", image: "x" },
      { name: "side", image: "x", resources: { requests: { cpu: "50m" }, limits: { cpu: "1" } } },
    ])
    p.spec!.initContainers = [{ name: "init", image: "x" }]
    defaultPod(
      p,
      range([
        {
          type: "Container",
          default: { cpu: "500m", memory: "256Mi" },
          defaultRequest: { cpu: "100m", memory: "128Mi" },
        },
      ]),
    )
    assert.deepEqual(p.spec?.containers[0]?.resources, {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "256Mi" },
    })
    assert.deepEqual(p.spec?.containers[1]?.resources, {
      requests: { cpu: "50m", memory: "128Mi" },
      limits: { cpu: "1", memory: "256Mi" },
    })
    assert.equal(
      p.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION],
      "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; " +
        "memory request for container side; memory limit for container side; " +
        "cpu, memory request for init container init; cpu, memory limit for init container init",
    )
  })

  test("leaves a pod that states everything unannotated", () => {
    const p = pod("p", [
      { name: "app", image: "x", resources: { requests: { cpu: "1" }, limits: { cpu: "1" } } },
    ])
    defaultPod(p, range([{ type: "Container", default: { cpu: "2" } }]))
    assert.equal(p.metadata?.annotations, undefined)
  })
})

const violationCases: {
  name: string
  pod: Pod
  limits: NonNullable<LimitRange["spec"]>["limits"]
  want: string[]
}[] = [
  {
    name: "request below the container minimum",
    pod: pod("p", [
      { name: "c", image: "x", resources: { requests: { cpu: "50m" }, limits: { cpu: "50m" } } },
    ]),
    limits: [{ type: "Container", min: { cpu: "100m" } }],
    want: ["minimum cpu usage per Container is 100m, but request is 50m"],
  },
  {
    name: "no request under a minimum, no limit under a maximum",
    pod: pod("p", [{ name: "c", image: "x" }]),
    limits: [{ type: "Container", min: { memory: "1Mi" }, max: { cpu: "2" } }],
    want: [
      "minimum memory usage per Container is 1Mi.  No request is specified",
      "maximum cpu usage per Container is 2.  No limit is specified",
    ],
  },
  {
    name: "limit above the maximum and the ratio",
    pod: pod("p", [
      { name: "c", image: "x", resources: { requests: { cpu: "250m" }, limits: { cpu: "3" } } },
    ]),
    limits: [{ type: "Container", max: { cpu: "2" }, maxLimitRequestRatio: { cpu: "4" } }],
    want: [
      "maximum cpu usage per Container is 2, but limit is 3",
      "cpu max limit to request ratio per Container is 4, but provided ratio is 12.000000",
    ],
  },
  {
    name: "pod total above the Pod maximum",
    pod: pod("p", [
      { name: "a", image: "x", resources: { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } } },
      { name: "b", image: "x", resources: { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } } },
    ]),
    limits: [{ type: "Pod", max: { memory: "1536Mi" } }],
    want: ["maximum memory usage per Pod is 1536Mi, but limit is 2Gi"],
  },
  {
    name: "within every bound",
    pod: pod("p", [
      { name: "c", image: "x", resources: { requests: { cpu: "200m" }, limits: { cpu: "400m" } } },
    ]),
    limits: [
      { type: "Container", min: { cpu: "100m" }, max: { cpu: "1" }, maxLimitRequestRatio: { cpu: "2" } },
    ],
    want: [],
  },
]

for (const c of violationCases) {
  test(`podViolations(): ${c.name}`, () => {
    assert.deepEqual(podViolations(c.pod, range(c.limits)), c.want)
  })
}

test("claimViolations() holds requests.storage to min and max", () => {
  const claim = (storage: string): PersistentVolumeClaim => ({
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } },
  })
  const lr = range([{ type: "PersistentVolumeClaim", min: { storage: "1Gi" }, max: { storage: "10Gi" } }])
  assert.deepEqual(claimViolations(claim("500Mi"), lr), [
    "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi",
  ])
  assert.deepEqual(claimViolations(claim("20Gi"), lr), [
    "maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi",
  ])
  assert.deepEqual(claimViolations(claim("5Gi"), lr), [])
})

describe("LimitRanger admission", () => {
  let env: ClientEnv
  const ns = "limits"
  before(async () => {
    env = await startClientEnv()
    await env.inProcess
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
    await env.inProcess.resource(LimitRanges).create({
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "lr", namespace: ns },
      spec: {
        limits: [
          { type: "Container", default: { cpu: "500m" }, min: { cpu: "100m" }, max: { cpu: "1" } },
          { type: "PersistentVolumeClaim", max: { storage: "1Gi" } },
        ],
      },
    })
  })
  after(() => env.stop())

  test("defaults a new pod's limits and requests (request from the defaulted default)", async () => {
    const created = await env.inProcess
      .resource(Pods)
      .create({ ...pod("web", [{ name: "app", image: "x" }]), metadata: { name: "web", namespace: ns } })
    assert.deepEqual(created.spec?.containers[0]?.resources, {
      requests: { cpu: "500m" },
      limits: { cpu: "500m" },
    })
    assert.equal(
      created.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION],
      "LimitRanger plugin set: cpu request for container app; cpu limit for container app",
    )
    // The QoS class is the defaulted resources', as upstream's strategy computes it after admission.
    assert.equal(created.status?.qosClass, "Burstable")
  })

  test("refuses a pod below the minimum with 403 and upstream's message", async () => {
    const err = await env.inProcess
      .resource(Pods)
      .create({
        ...pod("small", [
          { name: "a", image: "x", resources: { requests: { cpu: "50m" } } },
          { name: "b", image: "x", resources: { limits: { cpu: "2" } } },
        ]),
        metadata: { name: "small", namespace: ns },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    assert.ok(err instanceof ApiError)
    assert.equal(err.reason, "Forbidden")
    assert.equal(err.code, 403)
    assert.equal(
      err.message,
      'pods "small" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, ' +
        "maximum cpu usage per Container is 1, but limit is 2]",
    )
  })

  test("holds a resize (pods/resize) to the range as a new pod", async () => {
    const pods = env.inProcess.resource(Pods)
    await pods.create({
      ...pod("grow", [
        { name: "app", image: "x", resources: { requests: { cpu: "200m" }, limits: { cpu: "500m" } } },
      ]),
      metadata: { name: "grow", namespace: ns },
    })
    const resize = (limit: string) =>
      pods.patch(
        { namespace: ns, name: "grow" },
        { spec: { containers: [{ name: "app", resources: { limits: { cpu: limit } } }] } },
        { type: "strategic", subresource: "resize" },
      )
    const ok = await resize("800m")
    assert.deepEqual(ok.spec?.containers[0]?.resources?.limits, { cpu: "800m" })
    const err = await resize("2").then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.ok(err instanceof ApiError)
    assert.equal(err.code, 403)
    assert.equal(
      err.message,
      'pods "grow" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    )
  })

  test("a resize keeps the resources LimitRanger defaults, not its annotation; generation and managedFields count them", async () => {
    // GIVEN a pod created before its namespace had a LimitRange: a cpu request, no limit
    const late = "limits-late"
    await env.inProcess
      .resource(Namespaces)
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: late } })
    const pods = env.inProcess.resource(Pods)
    await pods.create({
      ...pod("late", [{ name: "app", image: "x", resources: { requests: { cpu: "200m" } } }]),
      metadata: { name: "late", namespace: late },
    })
    await env.inProcess.resource(LimitRanges).create({
      ...range([{ type: "Container", default: { cpu: "800m" } }]),
      metadata: { name: "lr", namespace: late },
    })
    // WHEN it is resized: LimitRanger fills the limit, as on a new pod
    const resized = await pods.patch(
      { namespace: late, name: "late" },
      { spec: { containers: [{ name: "app", resources: { requests: { cpu: "300m" } } }] } },
      { type: "strategic", subresource: "resize", fieldManager: "resizer" },
    )
    // THEN the limit is kept, the annotation (metadata a resize may not change) is not
    assert.deepEqual(resized.spec?.containers[0]?.resources, {
      requests: { cpu: "300m" },
      limits: { cpu: "800m" },
    })
    assert.equal(resized.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION], undefined)
    assert.equal(resized.metadata?.generation, 2)
    const entry = resized.metadata?.managedFields?.find((f) => f.manager === "resizer")
    assert.equal(entry?.subresource, "resize")
    assert.match(JSON.stringify(entry?.fieldsV1), /"f:limits":\{"\.":\{\},"f:cpu":\{\}\}/)
    const stored = await pods.get({ namespace: late, name: "late" })
    assert.equal(stored.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION], undefined)
  })

  test("refuses a claim above the maximum", async () => {
    const err = await env.inProcess
      .resource(PersistentVolumeClaims)
      .create({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "big", namespace: ns },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    assert.ok(err instanceof ApiError)
    assert.equal(
      err.message,
      'persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 1Gi, but request is 2Gi',
    )
  })
})

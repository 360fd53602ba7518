import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import { podEvaluator, podResources } from "./quota-pods.ts"
import { listOf } from "./resource-list.ts"

/** A running pod whose spec asks for `spec` and whose status reports `status` (and allocated `allocated`). */
function pod(
  spec: Record<string, string>,
  status: Record<string, string> | undefined,
  allocated?: Record<string, string>,
  infeasible = false,
): Pod {
  return {
    metadata: { name: "p" },
    spec: { containers: [{ name: "c", image: "x", resources: { requests: spec, limits: spec } }] },
    status: {
      phase: "Running",
      ...(infeasible
        ? { conditions: [{ type: "PodResizePending", status: "True", reason: "Infeasible" }] }
        : {}),
      containerStatuses: [
        {
          name: "c",
          image: "x",
          imageID: "",
          ready: true,
          restartCount: 0,
          ...(status ? { resources: { requests: status, limits: status } } : {}),
          ...(allocated ? { allocatedResources: allocated } : {}),
        },
      ],
    },
  }
}

const cases: { name: string; input: Pod; want: [Record<string, string>, Record<string, string>] }[] = [
  {
    name: "no status resources: the spec's",
    input: pod({ cpu: "500m" }, undefined),
    want: [{ cpu: "500m" }, { cpu: "500m" }],
  },
  {
    name: "a resize up not applied yet: the spec's",
    input: pod({ cpu: "500m" }, { cpu: "200m" }, { cpu: "200m" }),
    want: [{ cpu: "500m" }, { cpu: "500m" }],
  },
  {
    name: "a resize down not applied yet: the status's",
    input: pod({ cpu: "100m" }, { cpu: "200m" }, { cpu: "200m" }),
    want: [{ cpu: "200m" }, { cpu: "200m" }],
  },
  {
    name: "allocated above what is applied counts for requests",
    input: pod({ cpu: "100m" }, { cpu: "200m" }, { cpu: "300m" }),
    want: [{ cpu: "300m" }, { cpu: "200m" }],
  },
  {
    name: "an Infeasible resize: the status's alone",
    input: pod({ cpu: "4000" }, { cpu: "200m" }, { cpu: "200m" }, true),
    want: [{ cpu: "200m" }, { cpu: "200m" }],
  },
]

for (const c of cases) {
  test(`podResources() with status: ${c.name}`, () => {
    const got = ["requests", "limits"].map((which) =>
      listOf(podResources(c.input, { which: which as "requests" | "limits", status: true })),
    )
    assert.deepEqual(got, c.want)
  })
}

test("podEvaluator handles creates, and resizes among updates", () => {
  assert.equal(podEvaluator.handles("CREATE"), true)
  assert.equal(podEvaluator.handles("UPDATE"), false)
  assert.equal(podEvaluator.handles("UPDATE", "resize"), true)
  assert.equal(podEvaluator.handles("UPDATE", "status"), false)
})

test("podEvaluator's BestEffort scopes read the stored QoS class, as upstream's GetPodQOS", () => {
  // Stored Burstable (the class never changes), though its resources alone would say BestEffort.
  const stored = { ...pod({}, {}, {}), status: { qosClass: "Burstable" } } as Pod
  const scope = (scopeName: string) =>
    podEvaluator.matchesScope({ scopeName, operator: "Exists" }, stored as never)
  assert.equal(scope("BestEffort"), false)
  assert.equal(scope("NotBestEffort"), true)
  const fresh = { ...stored, status: {} } as Pod
  assert.equal(
    podEvaluator.matchesScope({ scopeName: "BestEffort", operator: "Exists" }, fresh as never),
    true,
  )
})

test("podResources() with status counts the status of sidecars, not of regular init containers", () => {
  const st = (name: string, cpu: string) => ({
    ...{ name, image: "x", imageID: "", ready: false, restartCount: 0 },
    ...{ resources: { requests: { cpu }, limits: { cpu } }, allocatedResources: { cpu } },
  })
  const res = (cpu: string) => ({ requests: { cpu }, limits: { cpu } })
  const p: Pod = {
    metadata: { name: "p" },
    spec: {
      initContainers: [
        { name: "setup", image: "x", resources: res("1") },
        { name: "proxy", image: "x", restartPolicy: "Always", resources: res("100m") },
      ],
      containers: [{ name: "c", image: "x", resources: res("100m") }],
    },
    status: {
      phase: "Running",
      // As upstream's UseStatusResources: a regular init container's status does not count.
      initContainerStatuses: [st("setup", "2"), st("proxy", "300m")],
      containerStatuses: [st("c", "100m")],
    },
  }
  const got = ["requests", "limits"].map((which) =>
    listOf(podResources(p, { which: which as "requests" | "limits", status: true })),
  )
  // The largest of setup (its spec's 1) and the containers with the sidecar's status (400m).
  assert.deepEqual(got, [{ cpu: "1" }, { cpu: "1" }])
})

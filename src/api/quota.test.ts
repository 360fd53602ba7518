import assert from "node:assert/strict"
import { test } from "node:test"
import type { Pod } from "kubernetes-types/core/v1.js"
import type { ApiObject } from "./meta.ts"
import { quotaEvaluator, quotaMatches } from "./quota.ts"
import { listOf } from "./resource-list.ts"

const NOW = Date.UTC(2026, 0, 1)

function usage(resource: string, obj: object): Record<string, string> {
  return listOf(quotaEvaluator("", resource).usage(obj as ApiObject, NOW))
}

const usageCases: { name: string; resource: string; obj: object; want: Record<string, string> }[] = [
  {
    name: "a pod charges its containers' sum, init containers at their peak, sidecars alongside, and overhead",
    resource: "pods",
    obj: {
      spec: {
        containers: [
          { name: "a", resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m" } } },
          { name: "b", resources: { requests: { cpu: "100m" } } },
        ],
        initContainers: [
          { name: "side", restartPolicy: "Always", resources: { requests: { cpu: "50m" } } },
          { name: "setup", resources: { requests: { cpu: "1", memory: "16Mi" } } },
        ],
        overhead: { cpu: "10m" },
      },
    },
    want: {
      "count/pods": "1",
      cpu: "1060m",
      "limits.cpu": "210m",
      memory: "64Mi",
      pods: "1",
      "requests.cpu": "1060m",
      "requests.memory": "64Mi",
    },
  },
  {
    name: "a finished pod counts only as an object",
    resource: "pods",
    obj: {
      spec: { containers: [{ name: "a", resources: { requests: { cpu: "1" } } }] },
      status: { phase: "Failed" },
    },
    want: { "count/pods": "1" },
  },
  {
    name: "a LoadBalancer charges its node ports",
    resource: "services",
    obj: { spec: { type: "LoadBalancer", ports: [{ port: 80 }, { port: 443 }] } },
    want: { "count/services": "1", services: "1", "services.loadbalancers": "1", "services.nodeports": "2" },
  },
  {
    name: "a claim charges its storage to its class too",
    resource: "persistentvolumeclaims",
    obj: { spec: { storageClassName: "fast", resources: { requests: { storage: "5Gi" } } } },
    want: {
      "count/persistentvolumeclaims": "1",
      "fast.storageclass.storage.k8s.io/persistentvolumeclaims": "1",
      "fast.storageclass.storage.k8s.io/requests.storage": "5Gi",
      persistentvolumeclaims: "1",
      "requests.storage": "5Gi",
    },
  },
  {
    name: "a secret counts under its legacy name and count/",
    resource: "secrets",
    obj: {},
    want: { "count/secrets": "1", secrets: "1" },
  },
]

for (const c of usageCases)
  test(`usage(): ${c.name}`, () => assert.deepEqual(usage(c.resource, c.obj), c.want))

test("quotaEvaluator() counts any other resource as count/<resource>.<group>", () => {
  const ev = quotaEvaluator("apps", "deployments")
  assert.equal(ev.matches("count/deployments.apps"), true)
  assert.deepEqual(listOf(ev.usage({} as ApiObject, NOW)), { "count/deployments.apps": "1" })
})

const pod = (spec: Pod["spec"]) => ({ spec }) as ApiObject
const scopeCases = [
  {
    name: "BestEffort selects a pod without resources",
    scopes: ["BestEffort"],
    pod: pod({ containers: [{ name: "a" }] }),
    want: true,
  },
  {
    name: "Terminating selects a pod with activeDeadlineSeconds",
    scopes: ["Terminating"],
    pod: pod({ containers: [{ name: "a" }], activeDeadlineSeconds: 10 }),
    want: true,
  },
  {
    name: "NotTerminating refuses it",
    scopes: ["NotTerminating"],
    pod: pod({ containers: [{ name: "a" }], activeDeadlineSeconds: 10 }),
    want: false,
  },
]
for (const c of scopeCases) {
  test(`quotaMatches(): ${c.name}`, () => {
    const quota = { spec: { scopes: c.scopes }, status: { hard: { pods: "1" } } }
    assert.equal(quotaMatches(quota, quotaEvaluator("", "pods"), c.pod), c.want)
  })
}

test("quotaMatches() selects pods by priority class through scopeSelector", () => {
  const quota = {
    spec: {
      scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["high"] }] },
    },
    status: { hard: { pods: "1" } },
  }
  const ev = quotaEvaluator("", "pods")
  assert.equal(quotaMatches(quota, ev, pod({ containers: [], priorityClassName: "high" })), true)
  assert.equal(quotaMatches(quota, ev, pod({ containers: [], priorityClassName: "low" })), false)
  assert.equal(quotaMatches(quota, ev, pod({ containers: [] })), false)
})

test("quotaMatches() ignores a quota until its status names what it limits", () => {
  assert.equal(
    quotaMatches({ spec: { hard: { pods: "1" } } }, quotaEvaluator("", "pods"), pod({ containers: [] })),
    false,
  )
})

// Upstream's PVC evaluator: a claim refers to the classes of its spec, its status and a
// modification in progress; each is a label value of the VolumeAttributesClass scope.
const claimScopeCases: { name: string; operator: string; values?: string[]; claim: object; want: boolean }[] =
  [
    {
      name: "Exists selects a claim asking for a class",
      operator: "Exists",
      claim: { spec: { volumeAttributesClassName: "gold" } },
      want: true,
    },
    { name: "Exists skips a claim without one", operator: "Exists", claim: { spec: {} }, want: false },
    {
      name: "DoesNotExist selects a claim without one",
      operator: "DoesNotExist",
      claim: { spec: {} },
      want: true,
    },
    {
      name: "DoesNotExist skips a claim with one",
      operator: "DoesNotExist",
      claim: { status: { currentVolumeAttributesClassName: "gold" } },
      want: false,
    },
    {
      name: "In selects a claim whose class is listed",
      operator: "In",
      values: ["gold"],
      claim: { spec: { volumeAttributesClassName: "gold" } },
      want: true,
    },
    {
      name: "In selects by the class a modification moves to",
      operator: "In",
      values: ["gold"],
      claim: {
        spec: { volumeAttributesClassName: "silver" },
        status: { modifyVolumeStatus: { targetVolumeAttributesClassName: "gold", status: "InProgress" } },
      },
      want: true,
    },
    {
      name: "In skips a claim without a class",
      operator: "In",
      values: ["gold"],
      claim: { spec: {} },
      want: false,
    },
    {
      name: "NotIn selects a claim without a class",
      operator: "NotIn",
      values: ["gold"],
      claim: { spec: {} },
      want: true,
    },
    {
      name: "NotIn selects a claim with another class besides the listed one",
      operator: "NotIn",
      values: ["gold"],
      claim: {
        spec: { volumeAttributesClassName: "gold" },
        status: { currentVolumeAttributesClassName: "silver" },
      },
      want: true,
    },
    {
      name: "NotIn skips a claim whose only class is listed",
      operator: "NotIn",
      values: ["gold"],
      claim: { spec: { volumeAttributesClassName: "gold" } },
      want: false,
    },
  ]
for (const c of claimScopeCases) {
  test(`quotaMatches() of a claim, VolumeAttributesClass scope: ${c.name}`, () => {
    const expr = {
      scopeName: "VolumeAttributesClass",
      operator: c.operator,
      ...(c.values ? { values: c.values } : {}),
    }
    const quota = {
      spec: { scopeSelector: { matchExpressions: [expr] } },
      status: { hard: { "requests.storage": "10Gi" } },
    }
    const claim = { metadata: { name: "c" }, ...c.claim } as ApiObject
    assert.equal(quotaMatches(quota, quotaEvaluator("", "persistentvolumeclaims"), claim), c.want)
  })
}

test("quotaMatches() of a claim: spec.scopes VolumeAttributesClass is Exists", () => {
  const quota = {
    spec: { scopes: ["VolumeAttributesClass"] },
    status: { hard: { persistentvolumeclaims: "1" } },
  }
  const ev = quotaEvaluator("", "persistentvolumeclaims")
  assert.equal(
    quotaMatches(quota, ev, {
      metadata: { name: "a" },
      spec: { volumeAttributesClassName: "gold" },
    } as ApiObject),
    true,
  )
  assert.equal(quotaMatches(quota, ev, { metadata: { name: "b" }, spec: {} } as ApiObject), false)
})

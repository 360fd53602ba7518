import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { findResource, Pods, type ResourceInfo } from "../../api/index.ts"
import type { ApiServer } from "../server.ts"
import { apiCall, memoryApiServer } from "../../testing/index.ts"
import { prepareForCreate, prepareForUpdate, SCHEDULING_GATED_MESSAGE } from "./strategy.ts"

const NOW = "2026-01-02T03:04:05Z"
const GATED = {
  type: "PodScheduled",
  status: "False",
  lastProbeTime: null,
  lastTransitionTime: NOW,
  reason: "SchedulingGated",
  message: "Scheduling is blocked due to non-empty scheduling gates",
}

describe("prepareForCreate of a pod", () => {
  const cases: { name: string; spec: object; status?: object; want: object }[] = [
    {
      name: "no gates: Pending and the QoS class only",
      spec: {},
      want: { phase: "Pending", qosClass: "BestEffort" },
    },
    {
      name: "an empty gate list counts as none",
      spec: { schedulingGates: [] },
      want: { phase: "Pending", qosClass: "BestEffort" },
    },
    {
      name: "gates: PodScheduled=False SchedulingGated",
      spec: { schedulingGates: [{ name: "example.com/a" }, { name: "example.com/b" }] },
      want: { phase: "Pending", qosClass: "BestEffort", conditions: [GATED] },
    },
    {
      name: "conditions the client sent are dropped with the rest of its status",
      spec: { schedulingGates: [{ name: "example.com/a" }] },
      status: { phase: "Running", conditions: [{ type: "PodScheduled", status: "True" }] },
      want: { phase: "Pending", qosClass: "BestEffort", conditions: [GATED] },
    },
  ]
  for (const c of cases) {
    test(c.name, () => {
      const pod = {
        metadata: { name: "p" },
        spec: { containers: [{ name: "c", image: "busybox" }], ...c.spec },
        ...(c.status ? { status: c.status } : {}),
      }
      prepareForCreate(Pods, pod, { now: NOW })
      assert.deepEqual(pod.status, c.want)
    })
  }
  test("the message is upstream's", () => assert.equal(SCHEDULING_GATED_MESSAGE, GATED.message))
})

describe("prepareForCreate of kinds whose zero status Go still writes", () => {
  // Upstream resets these statuses to their zero structs, which its JSON writes (a struct field
  // is never left out): an Ingress no controller has seen reads `status.loadBalancer` as {}.
  const cases: [string, string, string, object][] = [
    ["networking.k8s.io", "v1", "ingresses", { loadBalancer: {} }],
    ["", "v1", "resourcequotas", {}],
  ]
  for (const [group, version, resource, want] of cases) {
    test(resource, () => {
      const obj = { metadata: { name: "x" }, spec: {}, status: { bogus: 1 } }
      prepareForCreate(findResource(group, version, resource) as ResourceInfo, obj, { now: NOW })
      assert.deepEqual(obj.status, want)
    })
  }
})

describe("the strategies of APIService and CertificateSigningRequest", () => {
  const APISERVICES = findResource("apiregistration.k8s.io", "v1", "apiservices") as ResourceInfo
  const CSRS = findResource("certificates.k8s.io", "v1", "certificatesigningrequests") as ResourceInfo
  type Obj = { metadata?: object; spec?: any; status?: any }

  test("create: a local APIService is Available whatever status it came with", () => {
    const svc: Obj = {
      metadata: { name: "v1.example.com" },
      spec: { group: "example.com", version: "v1", groupPriorityMinimum: 1, versionPriority: 1 },
      status: { conditions: [{ type: "Available", status: "False" }] },
    }
    prepareForCreate(APISERVICES, svc, { now: NOW })
    assert.deepEqual(svc.status, {
      conditions: [
        {
          type: "Available",
          status: "True",
          lastTransitionTime: NOW,
          reason: "Local",
          message: "Local APIServices are always available",
        },
      ],
    })
  })

  test("create: a CertificateSigningRequest starts unapproved, its requestor the user who created it", () => {
    const csr: Obj = {
      metadata: { name: "r" },
      spec: { request: "", signerName: "example.com/x", usages: ["client auth"], username: "mallory" },
      status: { conditions: [{ type: "Approved", status: "True" }] },
    }
    prepareForCreate(CSRS, csr, { now: NOW, user: { name: "alice", groups: ["team"] } })
    assert.deepEqual(csr.status, {})
    assert.deepEqual([csr.spec.username, csr.spec.groups], ["alice", ["team"]])
  })

  test("update: a CertificateSigningRequest's main resource keeps its spec and status; approval stamps its conditions", () => {
    const old: Obj = {
      metadata: { name: "r", resourceVersion: "5" },
      spec: { request: "", signerName: "example.com/x", username: "alice" },
      status: {},
    }
    const edited = prepareForUpdate(
      CSRS,
      { ...old, spec: { username: "mallory" }, status: { x: 1 } },
      old,
      "",
      () => NOW,
    )
    assert.deepEqual([edited.spec, edited.status], [old.spec, old.status])
    const approval = { ...old, status: { conditions: [{ type: "Approved", status: "True" }] } }
    const approved = prepareForUpdate(CSRS, approval, old, "approval", () => NOW)
    assert.deepEqual(approved.status.conditions, [
      { type: "Approved", status: "True", lastUpdateTime: NOW, lastTransitionTime: NOW },
    ])
  })
})

describe("scheduling gates through the API", () => {
  let api: ApiServer
  memoryApiServer((started) => (api = started))
  const path = "/api/v1/namespaces/default/pods"
  const pod = (name: string, spec: object) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
  })

  test("a gated pod is created with the SchedulingGated condition at its creation time", async () => {
    const made = await apiCall(
      api,
      "POST",
      path,
      pod("gated", { schedulingGates: [{ name: "example.com/a" }] }),
    )
    assert.equal(made.status, 201, made.text)
    const [cond, ...rest] = made.json.status.conditions
    assert.deepEqual(rest, [])
    assert.deepEqual(cond, { ...GATED, lastTransitionTime: made.json.metadata.creationTimestamp })
  })

  test("gates on a pod with spec.nodeName are refused at create", async () => {
    const res = await apiCall(
      api,
      "POST",
      path,
      pod("bound", { nodeName: "n1", schedulingGates: [{ name: "example.com/a" }] }),
    )
    assert.equal(res.status, 422, res.text)
    assert.match(
      res.json.message,
      /spec\.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared/,
    )
  })

  const updates: { name: string; gates: object[]; want: number; message?: RegExp }[] = [
    {
      name: "a gate added is refused",
      gates: [{ name: "example.com/a" }, { name: "example.com/x" }],
      want: 422,
      message:
        /spec\.schedulingGates\[1\]\.name: Forbidden: only deletion is allowed, but found new scheduling gate 'example\.com\/x'/,
    },
    { name: "a gate removed is accepted", gates: [{ name: "example.com/b" }], want: 200 },
    { name: "all gates removed is accepted", gates: [], want: 200 },
  ]
  for (const [i, c] of updates.entries()) {
    test(`update: ${c.name}`, async () => {
      const name = `upd-${i}`
      const gates = [{ name: "example.com/a" }, { name: "example.com/b" }]
      assert.equal((await apiCall(api, "POST", path, pod(name, { schedulingGates: gates }))).status, 201)
      const res = await apiCall(
        api,
        "PATCH",
        `${path}/${name}`,
        [{ op: "replace", path: "/spec/schedulingGates", value: c.gates }],
        { "content-type": "application/json-patch+json" },
      )
      assert.equal(res.status, c.want, res.text)
      if (c.message) assert.match(res.json.message, c.message)
      // The condition stays until the pod is bound, as upstream's does.
      else assert.equal(res.json.status.conditions[0].reason, "SchedulingGated")
    })
  }
})

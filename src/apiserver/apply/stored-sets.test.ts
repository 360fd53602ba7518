import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { kindShape, type Shape } from "../shapes.ts"
import { STRIPPED, ownedAfterUpdate, recordUpdate, type WriteContext } from "./field-manager.ts"
import { FieldSet } from "./field-set.ts"
import { compare } from "./typed.ts"

const POD = kindShape("", "v1", "Pod") as Shape

function ctx(subresource: string, second: number): WriteContext {
  return {
    shape: POD,
    apiVersion: "v1",
    kind: "Pod",
    subresource,
    hasStatus: true,
    now: `2026-12-01T06:00:${String(second).padStart(2, "0")}Z`,
  }
}

const condition = (type: string, status: string, reason?: string) => ({
  type,
  status,
  lastProbeTime: null,
  lastTransitionTime: "2026-12-01T06:00:00Z",
  ...(reason ? { reason } : {}),
})

/** Each write: the manager, the subresource, and what it makes of the object. */
const WRITES: [string, string, (o: any) => any][] = [
  [
    "kubelet",
    "status",
    (o) => ({ ...o, status: { phase: "Pending", conditions: [condition("PodScheduled", "True")] } }),
  ],
  [
    "kubelet",
    "status",
    (o) => ({
      ...o,
      status: {
        ...o.status,
        phase: "Running",
        podIP: "10.1.0.1",
        podIPs: [{ ip: "10.1.0.1" }],
        conditions: [condition("Ready", "True"), ...o.status.conditions],
        containerStatuses: [
          { name: "app", ready: true, state: { running: { startedAt: "2026-12-01T06:00:00Z" } } },
        ],
      },
    }),
  ],
  [
    "kubelet",
    "status",
    (o) => ({
      ...o,
      status: {
        ...o.status,
        conditions: [condition("Ready", "False", "ContainersNotReady"), o.status.conditions[1]],
      },
    }),
  ],
  ["other", "status", (o) => ({ ...o, status: { ...o.status, podIP: "10.1.0.2", message: "m" } })],
  ["kubelet", "status", (o) => ({ ...o, status: { ...o.status, podIP: "10.1.0.3", message: undefined } })],
  ["kubectl", "", (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: "web", x: "y" } } })],
  ["kube-controller-manager", "", (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: "web" } } })],
  ["kubelet", "status", (o) => ({ ...o, status: { ...o.status } })],
]

/** The managedFields after each write, each starting from the object the previous one wrote or from a parsed copy of it. */
function chain(parsed: boolean): unknown[] {
  let live: ApiObject | undefined
  let obj: ApiObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", labels: { app: "web" } },
    spec: { containers: [{ name: "app", image: "nginx" }] },
  } as ApiObject
  recordUpdate(undefined, obj, "kube-controller-manager", ctx("", 0))
  const out: unknown[] = []
  WRITES.forEach(([manager, sub, change], i) => {
    live = parsed ? (JSON.parse(JSON.stringify(obj)) as ApiObject) : obj
    const next = JSON.parse(JSON.stringify(change(live))) as ApiObject
    recordUpdate(live, next, manager, ctx(sub, i + 1))
    out.push(JSON.parse(JSON.stringify(next.metadata?.managedFields)))
    obj = next
  })
  return out
}

test("an update reading FieldsV1 read before (their sets remembered) records what it records from a parsed copy", () => {
  // The first chain's writes take the sets remembered with FieldsV1 read before; the second's parse them all.
  assert.deepEqual(chain(false), chain(true))
  assert.equal(chain(false).length, WRITES.length)
})

test("ownedAfterUpdate() owns what the full computation (prev − removed ∪ modified ∪ added − server metadata) owns", () => {
  const status = (conditions: unknown[], extra: Record<string, unknown> = {}) => ({
    status: { conditions, ...extra },
  })
  const ready = condition("Ready", "True")
  const notReady = condition("Ready", "False", "ContainersNotReady")
  const scheduled = condition("PodScheduled", "True")
  const prevs: [string, unknown][] = [
    ["none", {}],
    [
      "status",
      {
        "f:status": {
          "f:conditions": { 'k:{"type":"Ready"}': { ".": {}, "f:status": {}, "f:type": {} } },
          "f:phase": {},
        },
      },
    ],
    [
      "server metadata",
      { "f:apiVersion": {}, "f:metadata": { "f:resourceVersion": {}, "f:labels": { "f:a": {} } } },
    ],
    ["metadata member", { "f:metadata": { ".": {}, "f:uid": {} }, "f:kind": {} }],
  ]
  const writes: [string, unknown, unknown][] = [
    ["nothing changes", status([ready]), status([ready])],
    ["a condition changes", status([ready, scheduled]), status([notReady, scheduled])],
    ["a condition goes", status([ready, scheduled], { phase: "Running" }), status([scheduled])],
    ["status appears", {}, status([ready], { podIP: "10.0.0.1" })],
    ["status goes", status([ready], { podIP: "10.0.0.1" }), {}],
    [
      "metadata changes",
      { metadata: { labels: { a: "b" }, uid: "u" } },
      { metadata: { labels: { a: "c", d: "e" } } },
    ],
  ]
  for (const [prevName, prevJson] of prevs) {
    for (const [writeName, before, after] of writes) {
      const prev = FieldSet.fromFieldsV1(prevJson)
      const c = compare(before, after, POD, false)
      const full = prev.difference(c.removed).union(c.modified).union(c.added).difference(STRIPPED)
      const owned = ownedAfterUpdate(prev, c, c.modified.union(c.added))
      const name = `${prevName}, ${writeName}`
      assert.deepEqual(owned.toFieldsV1(), full.toFieldsV1(), name)
      assert.deepEqual(owned.paths(), full.paths(), name)
    }
  }
})

test("intersects() is true exactly when the intersection has a member", () => {
  const sets = [
    {},
    { "f:a": {} },
    { "f:a": { ".": {}, "f:b": {} } },
    { "f:a": { "f:b": {} } },
    { "f:a": { "f:c": {} }, "f:d": {} },
    { "f:metadata": { "f:resourceVersion": {} } },
  ].map((j) => FieldSet.fromFieldsV1(j))
  for (const a of [...sets, STRIPPED]) {
    for (const b of [...sets, STRIPPED]) {
      assert.equal(
        a.intersects(b),
        !a.intersection(b).isEmpty(),
        `${JSON.stringify(a.toFieldsV1())} ∩ ${JSON.stringify(b.toFieldsV1())}`,
      )
    }
  }
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { kindShape, UNKNOWN_OBJECT, type Shape } from "../shapes.ts"
import { recordUpdate, type WriteContext } from "./field-manager.ts"
import { knownJson } from "../known-json.ts"

function ctxOf(group: string, version: string, kind: string, hasStatus: boolean): WriteContext {
  return {
    shape: kindShape(group, version, kind) ?? (UNKNOWN_OBJECT as Shape),
    apiVersion: group ? `${group}/${version}` : version,
    kind,
    subresource: "",
    hasStatus,
    now: "2026-11-30T10:00:00Z",
  }
}

/** The managedFields of a create recorded by the one-walk path and by comparing with nothing. */
function both(obj: ApiObject, ctx: WriteContext): [unknown, unknown] {
  const fast = structuredClone(obj)
  recordUpdate(undefined, fast, "bench", ctx)
  // An empty managedFields list takes the general path (it resets, then compares with nothing).
  const slow = structuredClone(obj)
  ;(slow.metadata as Record<string, unknown>).managedFields = []
  recordUpdate(undefined, slow, "bench", ctx)
  return [fast.metadata?.managedFields, slow.metadata?.managedFields]
}

const CASES: [string, ApiObject, WriteContext][] = [
  [
    "a pod: containers by name, ports by port and protocol, env by name, quantities",
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "p",
        namespace: "default",
        uid: "u",
        creationTimestamp: "2026-11-30T10:00:00Z",
        labels: { app: "a", tier: "b" },
        annotations: { note: "x" },
        finalizers: ["b/x", "a/y", "a/y"],
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "r", uid: "1", controller: true },
        ],
      },
      spec: {
        containers: [
          {
            name: "app",
            image: "pause",
            ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: "UDP" }],
            env: [
              { name: "B", value: "1" },
              { name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            ],
            resources: { requests: { cpu: "100m" }, limits: {} },
            securityContext: {},
          },
          { name: "side", image: "busybox", args: ["sleep", "1"] },
        ],
        tolerations: [{ key: "k", operator: "Exists" }],
        nodeSelector: {},
        restartPolicy: "Always",
        volumes: [{ name: "v", emptyDir: {} }],
      },
      status: { phase: "Pending" },
    } as ApiObject,
    ctxOf("", "v1", "Pod", true),
  ],
  [
    "a deployment with a template, a selector and null values",
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d", generation: 1, labels: {} },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "a" } },
        template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "i" }] } },
        strategy: null,
      },
    } as unknown as ApiObject,
    ctxOf("apps", "v1", "Deployment", true),
  ],
  [
    "a config map (no status subresource), a service with its ports",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c" },
      data: { b: "2", a: "1" },
    } as ApiObject,
    ctxOf("", "v1", "ConfigMap", false),
  ],
  [
    "a service",
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: {
        ports: [
          { port: 80, protocol: "TCP", targetPort: 8080 },
          { port: 80, protocol: "UDP" },
        ],
        selector: { app: "a" },
        clusterIPs: ["10.0.0.1"],
      },
      status: { loadBalancer: {} },
    } as unknown as ApiObject,
    ctxOf("", "v1", "Service", true),
  ],
  [
    "an event (status is a plain field) and a custom resource without schema",
    {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "e" },
      involvedObject: { kind: "Pod", name: "p" },
      count: 1,
    } as unknown as ApiObject,
    ctxOf("", "v1", "Event", false),
  ],
  [
    "a custom resource",
    {
      apiVersion: "x.io/v1",
      kind: "Thing",
      metadata: { name: "t", labels: { a: "b" } },
      spec: { list: [1, 2], nested: { deep: { x: 1 }, empty: {} } },
      status: { ok: true },
    } as unknown as ApiObject,
    ctxOf("x.io", "v1", "Thing", false),
  ],
  [
    "repeated and missing list map keys, a key that is not a scalar, ports told apart by protocol",
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: {
        containers: [
          { name: "a", image: "1", ports: [{ containerPort: 80 }, { containerPort: 80, protocol: "UDP" }] },
          { name: "a", image: "2", ports: [{ containerPort: 80, protocol: "TCP" }] },
          { image: "3" },
          { name: { odd: true }, image: "4" },
          "not an object",
        ],
        tolerations: [{ key: "k" }, { key: "k" }],
      },
    } as unknown as ApiObject,
    ctxOf("", "v1", "Pod", true),
  ],
  [
    "an object that sets only the server's metadata",
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } } as ApiObject,
    ctxOf("", "v1", "Namespace", true),
  ],
]

describe("createdFieldsV1()", () => {
  for (const [name, obj, ctx] of CASES) {
    test(`records what comparing with nothing records: ${name}`, () => {
      const [fast, slow] = both(obj, ctx)
      assert.equal(JSON.stringify(fast), JSON.stringify(slow))
    })
  }

  test("objects made alike share one FieldsV1, whose JSON text is known", () => {
    const [, obj, ctx] = CASES[0] as [string, ApiObject, WriteContext]
    const a = structuredClone(obj)
    const b = structuredClone(obj)
    ;(b.metadata as Record<string, unknown>).name = "other"
    recordUpdate(undefined, a, "bench", ctx)
    recordUpdate(undefined, b, "bench", ctx)
    const fa = a.metadata?.managedFields?.[0]?.fieldsV1
    assert.equal(fa, b.metadata?.managedFields?.[0]?.fieldsV1)
    assert.equal(knownJson(fa), JSON.stringify(fa))
    assert.equal(knownJson({}), undefined)
  })
})

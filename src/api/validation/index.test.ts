import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiObject } from "../meta.ts"
import { pod, printed, stored } from "./_fixtures.ts"
import { type KindRef, validateObject } from "./index.ts"

const POD: KindRef = { group: "", kind: "Pod", namespaced: true }
const UNKNOWN: KindRef = { group: "example.com", kind: "Widget", namespaced: false }

const cases: { name: string; input: { ref: KindRef; obj: ApiObject; old?: ApiObject }; want: string[] }[] = [
  {
    name: "validateObject() dispatches Pods",
    input: { ref: POD, obj: pod({ containers: [] }) as ApiObject },
    want: ["spec.containers: Required value"],
  },
  { name: "validateObject() passes a valid Pod", input: { ref: POD, obj: pod() as ApiObject }, want: [] },
  {
    name: "validateObject() checks other kinds' metadata only",
    input: { ref: UNKNOWN, obj: { metadata: { name: "a/b", namespace: "x" } } },
    want: [
      "metadata.name: Invalid value: \"a/b\": may not contain '/'",
      "metadata.namespace: Forbidden: not allowed on this type",
    ],
  },
  {
    name: "validateObject() reports a field of the wrong type instead of throwing",
    input: {
      ref: POD,
      obj: { metadata: { name: "p", namespace: "d" }, spec: { containers: [{ name: 5 }] } } as never,
    },
    want: [
      ': Invalid value: The "string" argument must be of type string or an instance of Buffer or ArrayBuffer. Received type number (5)',
    ],
  },
  // Upstream's ValidateConfigMapUpdate checks metadata as an update and as an object: two causes.
  {
    name: "validateObject() keeps an error found twice (invalid() names it once in its message)",
    input: {
      ref: { group: "", kind: "ConfigMap", namespaced: true },
      obj: stored({ metadata: { name: "c", namespace: "d", labels: { "-a": "b" } } }),
      old: stored({ metadata: { name: "c", namespace: "d" } }),
    },
    want: [
      `metadata.labels: Invalid value: "-a": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      `metadata.labels: Invalid value: "-a": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
  },
  {
    name: "validateObject() checks other kinds' immutable metadata on update",
    input: {
      ref: UNKNOWN,
      obj: stored({ metadata: { name: "b" } }),
      old: stored({ metadata: { name: "a" } }),
    },
    want: ['metadata.name: Invalid value: "b": field is immutable'],
  },
]

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateObject(c.input.ref, c.input.obj, c.input.old)), c.want)
  })
}

test("validateObject() checks a pods/status write by the status rules: metadata, not the stored spec", () => {
  const old = stored(pod({ containers: [] }) as ApiObject)
  const next = stored(pod({ containers: [] }, { name: "other" }) as ApiObject)
  assert.deepEqual(printed(validateObject(POD, old, old, "status")), [])
  assert.deepEqual(printed(validateObject(POD, next, old, "status")), [
    'metadata.name: Invalid value: "other": field is immutable',
  ])
  assert.deepEqual(printed(validateObject(POD, old, old, "")), ["spec.containers: Required value"])
})

const QUOTA: KindRef = { group: "", kind: "ResourceQuota", namespaced: true }

test("validateObject() checks a resourcequotas/status write by the status rules, not the stored spec", () => {
  // A quota stored before its spec's rules got stricter: storage is no quota resource.
  const old = stored({ metadata: { name: "q", namespace: "d" }, spec: { hard: { storage: "1Gi" } } })
  const usage = { ...old, status: { hard: { storage: "1Gi" }, used: { pods: "1.5" } } }
  assert.deepEqual(printed(validateObject(QUOTA, usage, old, "status")), [
    'status.hard[storage]: Invalid value: "storage": must be a standard resource for quota',
    'status.used[pods]: Invalid value: "1500m": must be an integer',
  ])
  const counted = { ...old, status: { hard: {}, used: { pods: "1" } } }
  assert.deepEqual(printed(validateObject(QUOTA, counted, old, "status")), [])
})

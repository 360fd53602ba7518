import assert from "node:assert/strict"
import { test } from "node:test"
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import { printed } from "./_fixtures.ts"
import { nameIsDnsLabel, nameIsDnsSubdomain } from "./names.ts"
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts"

const NS = { namespaced: true, name: nameIsDnsSubdomain }

const createCases: { name: string; input: { meta: ObjectMeta; opts?: typeof NS }; want: string[] }[] = [
  {
    name: "validateObjectMeta() accepts a plain name",
    input: { meta: { name: "web", namespace: "default" } },
    want: [],
  },
  {
    name: "validateObjectMeta() requires a name",
    input: { meta: { namespace: "default" } },
    want: ["metadata.name: Required value: name or generateName is required"],
  },
  {
    name: "validateObjectMeta() requires a namespace for namespaced kinds",
    input: { meta: { name: "web" } },
    want: ["metadata.namespace: Required value"],
  },
  {
    name: "validateObjectMeta() forbids a namespace on cluster-scoped kinds",
    input: {
      meta: { name: "n1", namespace: "default" },
      opts: { namespaced: false, name: nameIsDnsSubdomain },
    },
    want: ["metadata.namespace: Forbidden: not allowed on this type"],
  },
  {
    name: "validateObjectMeta() checks the name with the kind's rule",
    input: { meta: { name: "a.b" }, opts: { namespaced: false, name: nameIsDnsLabel } },
    want: ['metadata.name: Invalid value: "a.b": must not contain dots'],
  },
  {
    name: "validateObjectMeta() reports a bad label key at the map",
    input: { meta: { name: "web", namespace: "default", labels: { "-app": "x" } } },
    want: [
      `metadata.labels: Invalid value: "-app": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
  },
  {
    name: "validateObjectMeta() limits annotations to 256 KiB in total",
    input: { meta: { name: "web", namespace: "default", annotations: { big: "x".repeat(256 * 1024) } } },
    want: ["metadata.annotations: Too long: may not be more than 262144 bytes"],
  },
  {
    name: "validateObjectMeta() checks owner references",
    input: {
      meta: {
        name: "web",
        namespace: "default",
        ownerReferences: [{ apiVersion: "", kind: "", name: "", uid: "" }],
      },
    },
    want: [
      'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ],
  },
  {
    name: "validateObjectMeta() allows one controller reference",
    input: {
      meta: {
        name: "web",
        namespace: "default",
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "a", uid: "1", controller: true },
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "b", uid: "2", controller: true },
        ],
      },
    },
    want: [
      'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
    ],
  },
  {
    name: "validateObjectMeta() requires unprefixed finalizers to be standard",
    input: {
      meta: { name: "web", namespace: "default", finalizers: ["custom", "example.com/x", "kubernetes"] },
    },
    want: [
      'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ],
  },
]

for (const c of createCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateObjectMeta(c.input.meta, c.input.opts ?? NS)), c.want)
  })
}

const old: ObjectMeta = {
  name: "web",
  namespace: "default",
  uid: "u1",
  resourceVersion: "5",
  creationTimestamp: "2024-01-01T00:00:00Z",
  generation: 2,
}

const updateCases: { name: string; input: { meta: ObjectMeta; old?: ObjectMeta }; want: string[] }[] = [
  {
    name: "validateObjectMetaUpdate() accepts label changes",
    input: { meta: { ...old, labels: { a: "b" } } },
    want: [],
  },
  {
    name: "validateObjectMetaUpdate() keeps the name",
    input: { meta: { ...old, name: "other" } },
    want: ['metadata.name: Invalid value: "other": field is immutable'],
  },
  {
    name: "validateObjectMetaUpdate() keeps uid and creationTimestamp",
    input: { meta: { ...old, uid: "u2", creationTimestamp: "2025-01-01T00:00:00Z" } },
    want: [
      'metadata.uid: Invalid value: "u2": field is immutable',
      'metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable',
    ],
  },
  {
    name: "validateObjectMetaUpdate() needs a resourceVersion",
    input: { meta: { ...old, resourceVersion: "" } },
    want: ['metadata.resourceVersion: Invalid value: "": must be specified for an update'],
  },
  {
    name: "validateObjectMetaUpdate() refuses a lower generation",
    input: { meta: { ...old, generation: 1 } },
    want: ["metadata.generation: Invalid value: 1: must not be decremented"],
  },
  {
    name: "validateObjectMetaUpdate() adds no finalizers once deleting",
    input: {
      meta: { ...old, deletionTimestamp: "2024-02-01T00:00:00Z", finalizers: ["a.io/x", "b.io/y"] },
      old: { ...old, deletionTimestamp: "2024-02-01T00:00:00Z", finalizers: ["a.io/x"] },
    },
    want: [
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
    ],
  },
]

for (const c of updateCases) {
  test(c.name, () => {
    assert.deepEqual(printed(validateObjectMetaUpdate(c.input.meta, c.input.old ?? old)), c.want)
  })
}

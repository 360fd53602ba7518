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

import assert from "node:assert/strict"
import { test } from "node:test"
import type { ApiObject } from "../../api/index.ts"
import { rememberJson } from "../known-json.ts"
import { encode, encodeMarked, encodeMarkedRewrite, rememberWritten, withResourceVersion } from "./context.ts"

/** A FieldsV1 whose text is known, as a create's are. */
const KNOWN = { "f:spec": { "f:x": {} } }
rememberJson(KNOWN, JSON.stringify(KNOWN))

const OBJECTS: [string, Record<string, unknown>][] = [
  ["a pod", { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { a: "b" } }, spec: {} }],
  ["metadata last", { spec: { metadata: { name: "inner" } }, kind: "X", metadata: { name: "m" } }],
  ["empty metadata", { kind: "X", metadata: {} }],
  ["undefined values", { a: undefined, kind: "X", metadata: { name: "n", b: undefined }, c: 1 }],
  [
    "a top-level key named as a path",
    { kind: "X", "metadata.managedFields": { a: 1 }, metadata: { managedFields: [] } },
  ],
  ["escapes", { 'k"ey': "v\u0000", metadata: { name: "é\n", annotations: { '"metadata":{': "}" } } }],
  [
    "managedFields with a known FieldsV1, among other entries",
    {
      kind: "X",
      metadata: {
        name: "n",
        managedFields: [
          { manager: "a", fieldsV1: KNOWN, time: undefined, operation: "Update" },
          null,
          undefined,
          { manager: "b", fieldsV1: { "f:y": {} } },
          "odd",
        ],
        labels: { a: "b" },
      },
    },
  ],
]

test("encodeMarked encodes as JSON.stringify; withResourceVersion as JSON.stringify with it set", () => {
  for (const [name, obj] of OBJECTS) {
    const m = encodeMarked(obj as ApiObject)
    assert.equal(m.value, JSON.stringify(obj), name)
    assert.equal(m.value, encode(obj as ApiObject), name)
    const withRV = structuredClone(obj) as { metadata: Record<string, unknown> }
    withRV.metadata.resourceVersion = "42"
    assert.equal(withResourceVersion(m, "42"), JSON.stringify(withRV), name)
  }
})

test("withResourceVersion is undefined for an object without a metadata object", () => {
  assert.equal(withResourceVersion(encodeMarked({ kind: "X" } as ApiObject), "1"), undefined)
  assert.equal(withResourceVersion(encodeMarked({ metadata: null } as unknown as ApiObject), "1"), undefined)
})

test("encodeMarkedRewrite encodes as encode; once the new resourceVersion is set, as withResourceVersion", () => {
  const obj = {
    kind: "Pod",
    metadata: { name: "p", resourceVersion: "7", uid: "u" },
    spec: { metadata: { resourceVersion: "x" } },
  }
  const value = encode(obj as ApiObject)
  const m = encodeMarkedRewrite(obj as ApiObject)
  assert.equal(m.value, value)
  assert.equal(obj.metadata.resourceVersion, "7")
  obj.metadata.resourceVersion = "8"
  assert.equal(withResourceVersion(m, "8"), JSON.stringify(obj))
})

test("a write keeping values of the object written before copies their JSON from its value, as JSON.stringify would make it", () => {
  for (const [name, obj] of OBJECTS) {
    const prev = { ...obj, status: { phase: "Running", 'k"ey': ["é"] } } as unknown as ApiObject
    const written = encodeMarked(prev)
    rememberWritten(prev, written)
    const meta = (prev.metadata ?? {}) as Record<string, unknown>
    const variants: Record<string, unknown>[] = [
      { ...prev }, // everything kept
      { ...prev, metadata: { ...meta, deletionTimestamp: "2026-12-01T00:00:00Z" } }, // a delete
      { ...prev, status: { phase: "Failed" } }, // a status write
      { status: prev.status, ...prev, spec: undefined }, // keys moved and dropped
    ]
    for (const next of variants) {
      const m = encodeMarked(next as ApiObject, { obj: prev, value: written.value })
      assert.equal(m.value, JSON.stringify(next), name)
      // And again from that one, as a final delete after a graceful one.
      rememberWritten(next as ApiObject, m)
      const again = { ...next, metadata: { ...((next.metadata ?? {}) as object), x: 1 } }
      assert.equal(
        encodeMarked(again as ApiObject, { obj: next as ApiObject, value: m.value }).value,
        JSON.stringify(again),
      )
    }
  }
})

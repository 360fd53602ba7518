import assert from "node:assert/strict"
import { describe, test } from "node:test"
import { toSwagger } from "./v2.ts"

/** One v3 document holding `schemas` and no paths, turned into v2; its definitions. */
function definitionsOf(schemas: Record<string, unknown>): Record<string, any> {
  const doc = toSwagger([{ components: { schemas }, paths: {} }])
  return doc.definitions as Record<string, any>
}

describe("toSwagger", () => {
  test("custom resource schemas lose what kubectl's client-side validation cannot read", () => {
    const defs = definitionsOf({
      "com.example.v1.Widget": {
        type: "object",
        properties: {
          metadata: {
            allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }],
            description: "meta",
          },
          spec: {
            type: "object",
            required: ["size", "note"],
            properties: {
              size: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
              note: { type: "string", nullable: true },
              free: {
                type: "object",
                properties: { a: { type: "string" } },
                "x-kubernetes-preserve-unknown-fields": true,
              },
              list: { type: "array", items: { type: "object", nullable: true } },
              open: {
                type: "array",
                "x-kubernetes-preserve-unknown-fields": true,
                items: { type: "string" },
              },
              color: { type: "string", enum: ["red", "blue"], default: "red" },
            },
          },
        },
        "x-kubernetes-group-version-kind": [{ group: "example.com", kind: "Widget", version: "v1" }],
      },
    })
    const w = defs["com.example.v1.Widget"]
    assert.deepEqual(w.properties.metadata, {
      $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
      description: "meta",
    })
    const spec = w.properties.spec
    assert.deepEqual(spec.required, ["size"])
    assert.deepEqual(spec.properties.size, { "x-kubernetes-int-or-string": true })
    assert.deepEqual(spec.properties.note, {})
    assert.deepEqual(spec.properties.free, { "x-kubernetes-preserve-unknown-fields": true })
    assert.deepEqual(spec.properties.list, { type: "array", items: {} })
    assert.deepEqual(spec.properties.open, { "x-kubernetes-preserve-unknown-fields": true })
    assert.deepEqual(spec.properties.color, { type: "string", enum: ["red", "blue"], default: "red" })
    assert.deepEqual(w["x-kubernetes-group-version-kind"], [
      { group: "example.com", kind: "Widget", version: "v1" },
    ])
  })

  test("a kind keeping every unknown field is an open object, its GVK kept", () => {
    const gvk = [{ group: "example.com", kind: "Blob", version: "v1" }]
    const defs = definitionsOf({
      "com.example.v1.Blob": {
        type: "object",
        "x-kubernetes-preserve-unknown-fields": true,
        properties: { apiVersion: { type: "string" }, kind: { type: "string" } },
        "x-kubernetes-group-version-kind": gvk,
      },
    })
    assert.deepEqual(defs["com.example.v1.Blob"], {
      "x-kubernetes-preserve-unknown-fields": true,
      "x-kubernetes-group-version-kind": gvk,
    })
  })

  test("values are kept as they are, even when they look like schemas", () => {
    const value = { nullable: true, anyOf: [1], $ref: "#/components/schemas/x" }
    const defs = definitionsOf({ "com.example.v1.Thing": { type: "object", default: value, example: value } })
    assert.deepEqual(defs["com.example.v1.Thing"], { type: "object", default: value, example: value })
  })
})

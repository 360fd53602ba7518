import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { StructuralSchema } from "../../api/index.ts"
import { evalJsonPath } from "./jsonpath.ts"
import { defaultAndPrune } from "./prune-default.ts"
import { compareVersions } from "./resource-table.ts"
import { validateValue } from "./validate-value.ts"
import { validateCrdDefaults } from "./validate-defaults.ts"
import { customResourceSchemas } from "./openapi-schema.ts"

const schema: StructuralSchema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      default: {},
      properties: {
        size: { type: "integer", default: 3, minimum: 1, exclusiveMaximum: true, maximum: 5 },
        mode: { type: "string", default: "fast" },
        labels: { type: "object", additionalProperties: { type: "string", maxLength: 3 } },
        items: {
          type: "array",
          minItems: 1,
          items: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
        },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        ratio: { type: "number", multipleOf: 0.5 },
      },
    },
  },
}

function messages(v: unknown): string[] {
  return validateValue(schema, v, "", true).map((e) => `${e.field}: ${e.message}`)
}

describe("structural schemas", () => {
  test("defaults fill absent and null fields top-down; pruning drops unknown fields", () => {
    const obj: Record<string, unknown> = {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "a", extra: 1 },
      other: true,
    }
    defaultAndPrune(schema, obj)
    assert.deepEqual(obj, {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "a", extra: 1 },
      spec: { size: 3, mode: "fast" },
    })
    const kept: Record<string, unknown> = {
      spec: { mode: null, items: [{ name: "a", junk: 1 }], free: { any: { thing: 1 } }, labels: { a: "b" } },
    }
    assert.deepEqual(defaultAndPrune(schema, kept), ["spec.items[0].junk"])
    assert.deepEqual(kept.spec, {
      mode: "fast",
      size: 3,
      items: [{ name: "a" }],
      free: { any: { thing: 1 } },
      labels: { a: "b" },
    })
  })

  test("values are validated with upstream's messages", () => {
    assert.deepEqual(messages({ spec: { size: 5, items: [], labels: { a: "long" }, ratio: 0.7 } }), [
      "spec.size: Invalid value: 5: spec.size in body should be less than 5",
      "spec.items: Invalid value: 0: spec.items in body should have at least 1 items",
      "spec.labels.a: Too long: may not be more than 3 bytes",
      "spec.ratio: Invalid value: 0.7: spec.ratio in body should be a multiple of 0.5",
    ])
    assert.deepEqual(messages({ spec: { size: 0.5, items: [{}] } }), [
      'spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"',
      "spec.items.0.name: Required value",
    ])
    assert.deepEqual(messages({ spec: "x" }), [
      'spec: Invalid value: "string": spec in body must be of type object: "string"',
    ])
  })

  test("JSONPath selects fields, indexes, wildcards and filters", () => {
    const obj = {
      metadata: { labels: { "app.kubernetes.io/name": "web" } },
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Synced", status: "False" },
        ],
      },
    }
    assert.deepEqual(evalJsonPath(obj, `.status.conditions[?(@.type=="Synced")].status`), ["False"])
    assert.deepEqual(evalJsonPath(obj, ".status.conditions[*].type"), ["Ready", "Synced"])
    assert.deepEqual(evalJsonPath(obj, ".status.conditions[0].type"), ["Ready"])
    assert.deepEqual(evalJsonPath(obj, "{.metadata.labels['app.kubernetes.io/name']}"), ["web"])
    assert.deepEqual(evalJsonPath(obj, ".spec.missing"), [])
  })

  test("versions sort by Kubernetes priority", () => {
    const versions = ["v1alpha1", "foo", "v2beta1", "v1", "v1beta2", "v2", "v10", "v1beta1"]
    assert.deepEqual(versions.sort(compareVersions), [
      "v10",
      "v2",
      "v1",
      "v2beta1",
      "v1beta2",
      "v1beta1",
      "v1alpha1",
      "foo",
    ])
  })
})

describe("list types", () => {
  test("sets and maps refuse duplicates", () => {
    const s: StructuralSchema = {
      type: "object",
      properties: {
        tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
        conditions: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["type"],
          items: { type: "object", properties: { type: { type: "string" }, status: { type: "string" } } },
        },
      },
    }
    const v = { tags: ["a", "b", "a"], conditions: [{ type: "Ready" }, { type: "Ready", status: "True" }] }
    assert.deepEqual(
      validateValue(s, v, "").map((e) => `${e.field}: ${e.message}`),
      [
        'tags[2]: Duplicate value: "a"',
        'conditions[1]: Duplicate value: map[string]interface {}{"type":"Ready"}',
      ],
    )
  })
})

describe("formats and defaults", () => {
  test("string formats", () => {
    const s: StructuralSchema = {
      type: "object",
      properties: { at: { type: "string", format: "date-time" }, id: { type: "string", format: "uuid" } },
    }
    assert.deepEqual(
      validateValue(s, { at: "2026-11-24T12:00:00Z", id: "0f8fad5b-d9cb-469f-a165-70867728950e" }, ""),
      [],
    )
    assert.deepEqual(
      validateValue(s, { at: "yesterday" }, "").map((e) => `${e.field}: ${e.message}`),
      ['at: Invalid value: "yesterday": at in body must be of type date-time: "yesterday"'],
    )
  })

  test("a CRD's defaults must validate and have no unknown fields", () => {
    const crd = {
      spec: {
        versions: [
          {
            name: "v1",
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    default: { x: 1 },
                    properties: { n: { type: "integer", default: "two" } },
                  },
                },
              },
            },
          },
        ],
      },
    }
    const P = "spec.validation.openAPIV3Schema.properties[spec]"
    assert.deepEqual(
      validateCrdDefaults(crd as never).map((e) => `${e.field}: ${e.message}`),
      [
        `${P}.default: Invalid value: {"x":1}: must not have unknown fields`,
        `${P}.properties[n].default: Invalid value: "string": in body must be of type integer: "string"`,
      ],
    )
  })
})

describe("OpenAPI schemas of custom resources", () => {
  test("named by the reversed group, with apiVersion, kind, metadata and the List", () => {
    const info = {
      group: "stable.example.com",
      version: "v1",
      resource: "crontabs",
      kind: "CronTab",
      namespaced: true,
      singular: "crontab",
      shortNames: [],
      categories: [],
      verbs: [],
      subresources: [],
    }
    const out = customResourceSchemas(info, schema)
    assert.deepEqual(Object.keys(out), ["com.example.stable.v1.CronTab", "com.example.stable.v1.CronTabList"])
    const item = out["com.example.stable.v1.CronTab"] as any
    assert.deepEqual(Object.keys(item.properties), ["apiVersion", "kind", "metadata", "spec"])
    assert.deepEqual(item["x-kubernetes-group-version-kind"], [
      { group: "stable.example.com", kind: "CronTab", version: "v1" },
    ])
    const list = out["com.example.stable.v1.CronTabList"] as any
    assert.equal(list.properties.items.items.$ref, "#/components/schemas/com.example.stable.v1.CronTab")
  })
})

import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import { validateCustomResourceDefinition } from "./crd.ts"

function crd(schema: unknown, names: Record<string, unknown> = {}): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "foos.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "foos", singular: "foo", kind: "Foo", listKind: "FooList", ...names },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: schema as never } }],
    },
  }
}

function errors(c: CustomResourceDefinition): string[] {
  return validateCustomResourceDefinition(c).map((e) => `${e.field}: ${e.message}`)
}

/** A schema every version shares is checked once, where upstream's internal version holds it. */
const P = "spec.validation.openAPIV3Schema"

describe("CustomResourceDefinition validation", () => {
  test("a structural schema passes", () => {
    assert.deepEqual(
      errors(
        crd({
          type: "object",
          properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        }),
      ),
      [],
    )
  })

  test("structural rules", () => {
    assert.deepEqual(errors(crd({ properties: { a: {}, b: { type: "array" } } })), [
      `${P}.properties[a].type: Required value: must not be empty for specified object fields`,
      `${P}.properties[b].items: Required value: must be specified`,
      `${P}.type: Required value: must not be empty at the root`,
    ])
    assert.deepEqual(errors(crd({ type: "string" })), [
      `${P}.type: Invalid value: "string": must be object at the root`,
    ])
    assert.deepEqual(
      errors(crd({ type: "object", properties: { a: { type: "string", uniqueItems: true, $ref: "#/x" } } })),
      [
        `${P}.properties[a].$ref: Forbidden: $ref is not supported`,
        `${P}.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      ],
    )
    assert.deepEqual(
      errors(crd({ type: "object", properties: { a: { type: "object", anyOf: [{ type: "string" }] } } })),
      [`${P}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`],
    )
    assert.deepEqual(
      errors(
        crd({
          type: "object",
          properties: {
            p: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
          },
        }),
      ),
      [],
    )
    assert.deepEqual(errors({ ...crd(undefined) }), [
      "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required",
    ])
  })

  test("schemas that differ between versions are checked at each version's path", () => {
    const twoVersions = (a: unknown, b: unknown): CustomResourceDefinition => {
      const c = crd(a)
      c.spec.versions.push({
        name: "v2",
        served: true,
        storage: false,
        schema: { openAPIV3Schema: b as never },
      })
      return c
    }
    const bad = { type: "object", properties: { a: {} } }
    assert.deepEqual(errors(twoVersions(bad, bad)), [
      `${P}.properties[a].type: Required value: must not be empty for specified object fields`,
    ])
    assert.deepEqual(errors(twoVersions(bad, { type: "object" })), [
      "spec.versions[0].schema.openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields",
    ])
  })

  test("names", () => {
    const c = crd({ type: "object" }, { kind: "Foo_Bar", shortNames: ["F"], listKind: "Foo_Bar" })
    assert.deepEqual(errors(c), [
      `spec.names.kind: Invalid value: "Foo_Bar": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      `spec.names.listKind: Invalid value: "Foo_Bar": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      `spec.names.shortNames[0]: Invalid value: "F": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      `spec.names.listKind: Invalid value: "Foo_Bar": kind and listKind may not be the same`,
    ])
    const scope = crd({ type: "object" })
    scope.spec.scope = "Global"
    assert.deepEqual(errors(scope), [
      `spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"`,
    ])
  })
})

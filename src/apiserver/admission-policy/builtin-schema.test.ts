import assert from "node:assert/strict"
import { describe, test } from "node:test"
import type { StructuralSchema } from "../../api/index.ts"
import { builtinSchema } from "./builtin-schema.ts"

/** The schema at a path of property names ("[]" for list items, "{}" for map values). */
function at(s: StructuralSchema | undefined, path: string): StructuralSchema | undefined {
  let cur = s
  for (const p of path.split(".")) {
    if (p === "[]") cur = Array.isArray(cur?.items) ? undefined : cur?.items
    else if (p === "{}")
      cur = typeof cur?.additionalProperties === "object" ? cur.additionalProperties : undefined
    else cur = cur?.properties?.[p]
  }
  return cur
}

describe("builtinSchema()", () => {
  const deployment = builtinSchema("apps", "v1", "Deployment")
  const cases: { path: string; want: StructuralSchema | undefined }[] = [
    { path: "apiVersion", want: { type: "string" } },
    { path: "spec.replicas", want: { type: "integer" } },
    { path: "metadata.labels.{}", want: { type: "string" } },
    { path: "metadata.creationTimestamp", want: { type: "string", format: "date-time" } },
    { path: "spec.template.spec.containers.[].name", want: { type: "string" } },
    { path: "spec.template.spec.containers.[].resources.limits.{}", want: {} },
    { path: "spec.strategy.rollingUpdate.maxSurge", want: { "x-kubernetes-int-or-string": true } },
    { path: "spec.template.spec.volumes.[].configMap.name", want: { type: "string" } },
  ]
  for (const c of cases) {
    test(`Deployment ${c.path}`, () => assert.deepEqual(at(deployment, c.path), c.want))
  }

  test("a message met inside itself is an object without properties", () => {
    const crd = builtinSchema("apiextensions.k8s.io", "v1", "CustomResourceDefinition")
    const props = at(crd, "spec.versions.[].schema.openAPIV3Schema.properties.{}")
    assert.deepEqual(props, { type: "object" })
  })

  test("the same object each time; unknown kinds have none", () => {
    assert.equal(builtinSchema("apps", "v1", "Deployment"), deployment)
    assert.equal(builtinSchema("example.com", "v1", "Nope"), undefined)
  })
})

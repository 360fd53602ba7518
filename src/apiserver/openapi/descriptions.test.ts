import assert from "node:assert/strict"
import { test } from "node:test"
import { jsonFieldsOf, schema } from "../../api/index.ts"
import { describe as describeType, parseDeclarations } from "./descriptions.ts"

test("parseDeclarations() reads type and field comments, one-line and multi-line", () => {
  const d = parseDeclarations(`/** A thing. */
export interface Thing {
    /** Its name. */
    name?: string;
    /**
     * Spans
     *
     * two paragraphs.
     */
    readonly note: string;
    bare?: number;
}
/** An alias. */
export type Alias = string;
`)
  assert.equal(d.get("Thing")?.description, "A thing.")
  assert.equal(d.get("Thing")?.fields.get("name"), "Its name.")
  assert.equal(d.get("Thing")?.fields.get("note"), "Spans\n\ntwo paragraphs.")
  assert.equal(d.get("Thing")?.fields.has("bare"), false)
  assert.deepEqual([...(d.get("Thing")?.required ?? [])], ["note"])
  assert.equal(d.get("Alias")?.description, "An alias.")
})

test("describe() finds kubernetes-types' comments by definition name", () => {
  assert.match(describeType("io.k8s.api.apps.v1.Deployment")?.description ?? "", /Deployment/)
  assert.ok(describeType("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")?.fields.get("name"))
  assert.ok(describeType("io.k8s.apimachinery.pkg.api.resource.Quantity")?.description)
  // The CRD types, for `kubectl explain crd.spec.names`.
  const names = describeType(
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionNames",
  )
  assert.match(names?.fields.get("plural") ?? "", /plural name of the resource/)
  assert.equal(describeType("io.example.v1.Nope"), undefined)
})

/** Fields kubernetes-types still has that upstream has since removed. */
const REMOVED = new Set(["io.k8s.api.core.v1.PodResourceClaim.source"])

test("every field kubernetes-types declares is in the schema table's JSON view", () => {
  for (const name of schema.typeNames()) {
    const d = describeType(name)
    const fields = jsonFieldsOf(name)
    if (!d || !fields || schema.typeSchema(name)?.alias || d.fields.size === 0) continue
    for (const f of d.fields.keys()) {
      if (f === "apiVersion" || f === "kind" || REMOVED.has(`${name}.${f}`)) continue
      assert.ok(fields[f], `${name}.${f} is missing from the table's JSON view`)
    }
  }
})

/**
 * Checks the `default` values of a CRD's schemas as upstream does: each must validate against
 * the schema it sits in and must not carry fields that pruning would drop.
 */
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import { type FieldError, type StructuralSchema as Schema, crdSchemas, fieldErrors } from "../../api/index.ts"
import { pruneUnknown } from "./prune-default.ts"
import { validateValue } from "./validate-value.ts"

function children(s: Schema, path: string): [Schema, string][] {
  const out: [Schema, string][] = []
  for (const [k, p] of Object.entries(s.properties ?? {})) out.push([p, `${path}.properties[${k}]`])
  if (s.items && !Array.isArray(s.items)) out.push([s.items, `${path}.items`])
  if (typeof s.additionalProperties === "object")
    out.push([s.additionalProperties, `${path}.additionalProperties`])
  return out
}

function visit(s: Schema, path: string, root: boolean): FieldError[] {
  const errs: FieldError[] = []
  if (s.default !== undefined && root) {
    errs.push(fieldErrors.forbidden(`${path}.default`, "must not be set at the root"))
  } else if (s.default !== undefined) {
    const at = `${path}.default`
    const pruned = structuredClone(s.default)
    pruneUnknown(s, pruned)
    if (JSON.stringify(pruned) !== JSON.stringify(s.default)) {
      errs.push(fieldErrors.invalidValue(at, s.default, "must not have unknown fields"))
    }
    for (const e of validateValue(s, s.default, ""))
      errs.push({ ...e, field: e.field ? `${at}.${e.field}` : at })
  }
  for (const [c, p] of children(s, path)) errs.push(...visit(c, p, false))
  return errs
}

/** The errors of every default in every version's schema. */
export function validateCrdDefaults(crd: CustomResourceDefinition): FieldError[] {
  return crdSchemas(crd).flatMap(({ schema, path }) => visit(schema, path, true))
}

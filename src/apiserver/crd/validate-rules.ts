/**
 * The x-kubernetes-validations step of a custom resource write, placed as upstream's strategy
 * places it: after defaulting, pruning and schema validation, and skipped (with upstream's
 * note) when schema validation found a blocking error. Rules are compiled once per CRD version
 * and kept until the CRD changes.
 */
import type { FieldError } from "../../api/index.ts"
import { RuleValidator } from "./cel/validator.ts"
import type { CustomResourceHandling } from "./resource-table.ts"

/** The served version's compiled rules (null: none), by the handling the CRD's current state made. */
const validators = new WeakMap<CustomResourceHandling, RuleValidator | null>()

function validatorOf(h: CustomResourceHandling): RuleValidator | undefined {
  let v = validators.get(h)
  if (v === undefined) {
    v = (h.schema && RuleValidator.of(h.schema)) || null
    validators.set(h, v)
  }
  return v ?? undefined
}

/** Schema errors after which upstream does not run the rules (their values may not have the schema's types). */
const BLOCKING = new Set([
  "FieldValueNotSupported",
  "FieldValueRequired",
  "FieldValueTooLong",
  "FieldValueTooMany",
  "FieldValueTypeInvalid",
])

/** The rule errors of `obj` (on update, against `old`), given the errors found before them. */
export function validateRules(
  h: CustomResourceHandling,
  obj: unknown,
  old: unknown,
  found: readonly FieldError[],
): FieldError[] {
  const v = validatorOf(h)
  if (!v) return []
  if (found.some((e) => BLOCKING.has(e.type))) {
    return [
      {
        type: "FieldValueInvalid",
        field: "<nil>",
        message:
          "Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
      },
    ]
  }
  return v.validate(obj, old).errors
}

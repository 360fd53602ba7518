/**
 * The matchConditions of Mutating- and ValidatingWebhookConfigurations must compile, as
 * upstream's validation compiles each expression (trimmed) in the admission CEL environment:
 * `webhooks[0].matchConditions[0].expression: Invalid value: "...": compilation failed: ...`.
 * The errors join those of the api package's validation where upstream's would stand: after the
 * condition's expression, before its name.
 */
import type { MatchCondition } from "kubernetes-types/admissionregistration/v1.js"
import { type ApiObject, type FieldError, fieldErrors, type ResourceInfo } from "../../api/index.ts"
import { compileCondition } from "./conditions.ts"

const KINDS = new Set(["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"])

/**
 * Whether error `e` comes after the compile error of webhook `i`'s condition `j` in upstream's
 * order: a later webhook's, or this one's from the condition's name on (its name, later
 * conditions, admissionReviewVersions, a repeated webhook name).
 */
function isAfter(e: FieldError, i: number, j: number): boolean {
  const m = /^webhooks\[(\d+)\]/.exec(e.field)
  if (!m) return false
  const k = Number(m[1])
  if (k !== i) return k > i
  const rest = e.field.slice(m[0].length)
  const c = /^\.matchConditions\[(\d+)\]/.exec(rest)
  if (c) return Number(c[1]) > j || rest.startsWith(`${c[0]}.name`)
  return rest.startsWith(".admissionReviewVersions") || (rest === ".name" && e.type === "FieldValueDuplicate")
}

/** `errs` (the api package's errors of a webhook configuration) with its expressions' compile errors. */
export function withConditionErrors(info: ResourceInfo, obj: ApiObject, errs: FieldError[]): FieldError[] {
  if (info.group !== "admissionregistration.k8s.io" || !KINDS.has(info.kind)) return errs
  const webhooks = (obj as { webhooks?: { matchConditions?: MatchCondition[] }[] }).webhooks ?? []
  let out = errs
  webhooks.forEach((w, i) => {
    ;(w.matchConditions ?? []).forEach((c, j) => {
      const expression = (c.expression ?? "").trim()
      if (!expression) return
      const compiled = compileCondition(c.name ?? "", expression)
      if (!("error" in compiled)) return
      const err = fieldErrors.invalidValue(
        `webhooks[${i}].matchConditions[${j}].expression`,
        expression,
        compiled.error,
      )
      const at = out.findIndex((e) => isAfter(e, i, j))
      out = at < 0 ? [...out, err] : [...out.slice(0, at), err, ...out.slice(at)]
    })
  })
  return out
}

/**
 * A ValidatingAdmissionPolicy's expressions must compile, as upstream's validation compiles them
 * (policy.go's stateless and composited compilers): matchConditions (trimmed, bool, without
 * variables; skipped on an update that changes neither them nor the paramKind), variables (in
 * order), validations (bool) and their messageExpressions (string), and auditAnnotations'
 * valueExpressions (trimmed, string or null), e.g.
 * `spec.validations[0].expression: Invalid value: "...": compilation failed: ERROR: <input>:1:1: ...`.
 * The errors join those of the api package's validation where upstream's would stand.
 */
import type { ValidatingAdmissionPolicy } from "kubernetes-types/admissionregistration/v1.js"
import { type ApiObject, type FieldError, fieldErrors, type ResourceInfo } from "../../api/index.ts"
import { jsonEqual } from "../../util/index.ts"
import { type Compiled, compilePolicy } from "./compile.ts"

/** Longer valueExpressions are refused before they are compiled. */
const MAX_VALUE_EXPRESSION_BYTES = 5 * 1024

/** The sections of a policy's spec in the order upstream validates them. */
const SECTIONS = [
  "failurePolicy",
  "paramKind",
  "matchConstraints",
  "matchConditions",
  "variables",
  "validations",
  "auditAnnotations",
]

/** The order of an item's fields' errors within each section. */
const FIELD_ORDER: Readonly<Record<string, readonly string[]>> = {
  matchConditions: ["expression", "name"],
  variables: ["name", "expression"],
  validations: ["expression", "messageExpression", "message", "reason"],
  auditAnnotations: ["key", "valueExpression", "key (duplicate)"],
}

interface Position {
  readonly section: number
  readonly index: number
  readonly rank: number
}

/** Where an error stands in upstream's order (metadata first). */
function positionOf(e: Pick<FieldError, "field" | "type">): Position {
  const m = /^spec\.(\w+)(?:\[(\d+)\])?(?:\.(\w+))?/.exec(e.field)
  if (!m) return { section: e.field.startsWith("spec") ? SECTIONS.length : -1, index: -1, rank: -1 }
  const [, section = "", index, field] = m
  const order = FIELD_ORDER[section] ?? []
  const name = field === "key" && e.type === "FieldValueDuplicate" ? "key (duplicate)" : (field ?? "")
  return {
    section: SECTIONS.indexOf(section),
    index: index === undefined ? -1 : Number(index),
    rank: order.indexOf(name),
  }
}

function isAfter(e: FieldError, at: Position): boolean {
  const p = positionOf(e)
  if (p.section !== at.section) return p.section > at.section
  if (p.index !== at.index) return p.index > at.index
  return p.rank > at.rank
}

/** Adds `err` to `errs` before the first error upstream reports after it. */
function insert(errs: FieldError[], err: FieldError): FieldError[] {
  const at = positionOf(err)
  const i = errs.findIndex((e) => isAfter(e, at))
  return i < 0 ? [...errs, err] : [...errs.slice(0, i), err, ...errs.slice(i)]
}

function compileError(field: string, shown: string, c: Compiled | undefined): FieldError | undefined {
  return c && "error" in c ? fieldErrors.invalidValue(field, shown, c.error) : undefined
}

/** Whether an update leaves the match conditions as they were (upstream does not compile them again). */
function keepsMatchConditions(
  p: ValidatingAdmissionPolicy,
  old: ValidatingAdmissionPolicy | undefined,
): boolean {
  if (!old) return false
  return (
    jsonEqual(p.spec?.paramKind, old.spec?.paramKind) &&
    jsonEqual(p.spec?.matchConditions, old.spec?.matchConditions)
  )
}

/** The compile errors of a policy's expressions, in upstream's order. */
function expressionErrors(
  p: ValidatingAdmissionPolicy,
  old: ValidatingAdmissionPolicy | undefined,
): FieldError[] {
  const spec = p.spec ?? {}
  const c = compilePolicy(spec, { stateless: true })
  const errs: (FieldError | undefined)[] = []
  if (!keepsMatchConditions(p, old)) {
    c.matchConditions.forEach((m, i) => {
      if (!m.expression || !("error" in m)) return
      errs.push(fieldErrors.invalidValue(`spec.matchConditions[${i}].expression`, m.expression, m.error))
    })
  }
  ;(spec.variables ?? []).forEach((v, i) => {
    errs.push(compileError(`spec.variables[${i}].expression`, v.expression ?? "", c.variableList[i]))
  })
  const hasItems = (spec.validations ?? []).length > 0 || (spec.auditAnnotations ?? []).length > 0
  if (!hasItems) return errs.filter((e) => e !== undefined)
  c.validations.forEach((v, i) => {
    const expression = v.validation.expression ?? ""
    if (expression.trim())
      errs.push(compileError(`spec.validations[${i}].expression`, expression, v.expression))
    if (v.message)
      errs.push(
        compileError(
          `spec.validations[${i}].messageExpression`,
          v.validation.messageExpression ?? "",
          v.message,
        ),
      )
  })
  c.auditAnnotations.forEach((a, i) => {
    const shown = spec.auditAnnotations?.[i]?.valueExpression ?? ""
    if (a.value.expression && Buffer.byteLength(a.value.expression) <= MAX_VALUE_EXPRESSION_BYTES)
      errs.push(compileError(`spec.auditAnnotations[${i}].valueExpression`, shown, a.value))
  })
  return errs.filter((e) => e !== undefined)
}

/** `errs` (the api package's errors of a policy) with its expressions' compile errors. */
export function withPolicyExpressionErrors(
  info: ResourceInfo,
  obj: ApiObject,
  old: ApiObject | undefined,
  subresource: string | undefined,
  errs: FieldError[],
): FieldError[] {
  if (info.group !== "admissionregistration.k8s.io" || info.kind !== "ValidatingAdmissionPolicy") return errs
  if (subresource) return errs
  let out = errs
  for (const e of expressionErrors(
    obj as ValidatingAdmissionPolicy,
    old as ValidatingAdmissionPolicy | undefined,
  ))
    out = insert(out, e)
  return out
}

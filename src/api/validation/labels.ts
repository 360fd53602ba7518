/**
 * Label maps, label keys and label selectors (apimachinery `meta/v1/validation`), and
 * selector matching with upstream's nil-versus-empty semantics: a missing selector selects
 * nothing, an empty one selects everything.
 */
import type { LabelSelector } from "kubernetes-types/meta/v1.js"
import type { FieldError } from "../errors.ts"
import { forbidden, invalidValue, required } from "../field-errors.ts"
import { child, entries, index, list, pushInvalid } from "./_field.ts"
import { isLabelValue, isQualifiedName } from "./names.ts"

/** A label key (qualified name) at `field`. */
export function validateLabelName(name: string, field: string): FieldError[] {
  const errs: FieldError[] = []
  pushInvalid(errs, field, name, isQualifiedName(name))
  return errs
}

/** Every key and value of a label map, reported at the map's own path. */
export function validateLabels(
  labels: Readonly<Record<string, string>> | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = []
  if (!labels || typeof labels !== "object") return errs
  for (const k in labels) {
    const v = labels[k] as string
    const badName = isQualifiedName(k)
    if (badName.length) errs.push(...badName.map((m) => invalidValue(field, k, m)))
    const badValue = isLabelValue(String(v))
    if (badValue.length) errs.push(...badValue.map((m) => invalidValue(field, v, m)))
  }
  return errs
}

/** Options of validateLabelSelector. */
export interface SelectorOptions {
  /** Tolerate invalid values in matchExpressions (kept by old objects). */
  readonly allowInvalidLabelValue?: boolean
}

/** A label selector: its matchLabels and each matchExpressions requirement. */
export function validateLabelSelector(
  selector: LabelSelector | undefined | null,
  field: string,
  opts: SelectorOptions = {},
): FieldError[] {
  if (!selector) return []
  const errs = validateLabels(selector.matchLabels, child(field, "matchLabels"))
  list(selector.matchExpressions).forEach((expr, i) => {
    const path = index(child(field, "matchExpressions"), i)
    const values = list(expr.values)
    switch (expr.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0)
          errs.push(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"))
        break
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0)
          errs.push(
            forbidden(
              child(path, "values"),
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          )
        break
      default:
        errs.push(invalidValue(child(path, "operator"), expr.operator ?? "", "not a valid selector operator"))
    }
    errs.push(...validateLabelName(expr.key ?? "", child(path, "key")))
    if (!opts.allowInvalidLabelValue) {
      values.forEach((v, j) => {
        errs.push(...isLabelValue(v).map((m) => invalidValue(index(child(path, "values"), j), v, m)))
      })
    }
  })
  return errs
}

/** A selector turned into a predicate; `ok` is false when upstream could not convert it. */
export interface CompiledSelector {
  readonly ok: boolean
  /** True for a selector that selects everything. */
  readonly empty: boolean
  matches(labels: Readonly<Record<string, string>> | undefined): boolean
}

const NOTHING: CompiledSelector = { ok: true, empty: false, matches: () => false }

/** Upstream's LabelSelectorAsSelector: nil selects nothing, `{}` everything. */
export function compileSelector(selector: LabelSelector | undefined | null): CompiledSelector {
  if (!selector) return NOTHING
  type Req = (l: Readonly<Record<string, string>>) => boolean
  const reqs: Req[] = []
  let ok = true
  for (const [k, v] of entries(selector.matchLabels)) {
    if (isQualifiedName(k).length || isLabelValue(String(v)).length) ok = false
    reqs.push((l) => l[k] === v)
  }
  for (const e of list(selector.matchExpressions)) {
    const k = e.key ?? ""
    const values = list(e.values)
    if (isQualifiedName(k).length) ok = false
    switch (e.operator) {
      case "In":
      case "NotIn": {
        if (values.length === 0 || values.some((v) => isLabelValue(v).length)) ok = false
        const inSet = e.operator === "In"
        reqs.push((l) => (k in l && values.includes(l[k] as string)) === inSet)
        break
      }
      case "Exists":
        if (values.length) ok = false
        reqs.push((l) => k in l)
        break
      case "DoesNotExist":
        if (values.length) ok = false
        reqs.push((l) => !(k in l))
        break
      default:
        ok = false
    }
  }
  return {
    ok,
    empty: reqs.length === 0,
    matches: (labels) => reqs.every((r) => r(labels ?? {})),
  }
}

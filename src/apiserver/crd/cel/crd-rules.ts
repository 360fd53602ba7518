/**
 * The checks of a CRD's x-kubernetes-validations on create and update, as upstream's
 * ValidateCustomResourceDefinitionOpenAPISchema makes them: first each rule's own fields (rule
 * required, message and messageExpression non-empty and on one line, a known reason, a valid
 * fieldPath), then, where a position and those below it have no such error, each rule compiled
 * against its position's type (`compilation failed: ERROR: <input>:1:6: ...`), its
 * messageExpression too, optionalOldSelf only with oldSelf, and oldSelf nowhere below a list
 * that is not a map-list. Rules under allOf, anyOf, oneOf and not get the first checks only.
 * Cost estimation is not done.
 */
import type { Environment } from "@marcbachmann/cel-js"
import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js"
import {
  type FieldError,
  type StructuralSchema as Schema,
  type ValidationRule,
  additionalOf,
  crdSchemas,
  fieldErrors,
  itemsOf,
} from "../../../api/index.ts"
import { goJsonString } from "../../../util/index.ts"
import { compileRules } from "./compile.ts"
import { type DeclType, DeclTypes, escapeName } from "./decl-types.ts"
import { baseEnvironment } from "./environment.ts"
import { validFieldPath } from "./field-path.ts"

const REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"]
const NEWLINES = /[\n\r]+/

let typeSerial = 0

/** A rule as upstream's field.Invalid prints it: its internal struct, as Go's JSON writes it. */
function shownRule(r: ValidationRule): string {
  const q = (s: string | undefined) => goJsonString(s ?? "")
  const reason = r.reason === undefined ? "null" : q(r.reason)
  const optional = r.optionalOldSelf === undefined ? "null" : String(r.optionalOldSelf)
  return `{"Rule":${q(r.rule)},"Message":${q(r.message)},"MessageExpression":${q(r.messageExpression)},"Reason":${reason},"FieldPath":${q(r.fieldPath)},"OptionalOldSelf":${optional}}`
}

/** The checks of one rule's own fields. */
function ruleFieldErrors(r: ValidationRule, schema: Schema, at: string): FieldError[] {
  const errs: FieldError[] = []
  const rule = (r.rule ?? "").trim()
  const msg = (r.message ?? "").trim()
  if (!rule) errs.push(fieldErrors.required(`${at}.rule`, "rule is not specified"))
  else if (r.message && !msg)
    errs.push(fieldErrors.invalidValue(`${at}.message`, r.message, "must be non-empty if specified"))
  else if (NEWLINES.test(msg))
    errs.push(fieldErrors.invalidValue(`${at}.message`, r.message, "must not contain line breaks"))
  else if (NEWLINES.test(rule) && !msg)
    errs.push(fieldErrors.required(`${at}.message`, "message must be specified if rule contains line breaks"))
  if (r.messageExpression && !r.messageExpression.trim())
    errs.push(
      fieldErrors.required(`${at}.messageExpression`, "messageExpression must be non-empty if specified"),
    )
  if (r.reason !== undefined && !REASONS.includes(r.reason))
    errs.push(fieldErrors.notSupported(`${at}.reason`, r.reason, REASONS))
  if (r.fieldPath && !r.fieldPath.trim())
    errs.push(fieldErrors.invalidValue(`${at}.fieldPath`, r.fieldPath, "must be non-empty if specified"))
  if (r.fieldPath && NEWLINES.test(r.fieldPath))
    errs.push(fieldErrors.invalidValue(`${at}.fieldPath`, r.fieldPath, "must not contain line breaks"))
  if (r.fieldPath) {
    try {
      validFieldPath(r.fieldPath, schema)
    } catch {
      errs.push(fieldErrors.invalidValue(`${at}.fieldPath`, r.fieldPath, "must be a valid path"))
    }
  }
  return errs
}

/** The schemas under allOf, anyOf, oneOf and not, with their path steps. */
function junctorsOf(s: Schema): [Schema, string][] {
  const out: [Schema, string][] = []
  for (const name of ["allOf", "anyOf", "oneOf"] as const)
    s[name]?.forEach((sub, i) => out.push([sub, `${name}[${i}]`]))
  if (s.not) out.push([s.not, "not"])
  return out
}

function elemOf(type: DeclType | undefined): DeclType | undefined {
  return type?.kind === "list" || type?.kind === "map" ? type.elem : undefined
}

/** A position whose rules are compiled once its subtree is known to have no field errors. */
interface Compilation {
  readonly schema: Schema
  readonly path: string
  readonly type: DeclType | undefined
  /** The first list above that does not correlate old items (oldSelf is refused below it). */
  readonly uncorrelatable: string | undefined
}

class Walk {
  readonly fieldErrs: FieldError[] = []
  readonly compilations: Compilation[] = []
  constructor(readonly types: DeclTypes | undefined) {}

  /** Visits `s` at `path`; `type` is undefined where CEL types are not known. Returns the field error count below. */
  visit(s: Schema, path: string, type: DeclType | undefined | null, uncorrelatable?: string): number {
    const before = this.fieldErrs.length
    this.#children(s, path, type, uncorrelatable)
    const rules = s["x-kubernetes-validations"] ?? []
    rules.forEach((r, i) =>
      this.fieldErrs.push(...ruleFieldErrors(r, s, `${path}.x-kubernetes-validations[${i}]`)),
    )
    const below = this.fieldErrs.length - before
    if (rules.length && below === 0 && type !== null && this.types)
      this.compilations.push({ schema: s, path, type, uncorrelatable })
    return below
  }

  #children(s: Schema, path: string, type: DeclType | undefined | null, uncorrelatable?: string): void {
    const elem = type === null ? null : elemOf(type)
    const extra = additionalOf(s)
    if (extra) this.visit(extra, `${path}.additionalProperties`, elem, uncorrelatable)
    const mapType = s["x-kubernetes-map-type"]
    const correlates = mapType === undefined || mapType === "granular" || mapType === "atomic"
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      const at = `${path}.properties[${k}]`
      this.visit(p, at, this.#fieldType(type, k, p), correlates ? uncorrelatable : (uncorrelatable ?? path))
    }
    for (const [sub, name] of junctorsOf(s)) this.visit(sub, `${path}.${name}`, null)
    const items = itemsOf(s)
    // Old items correlate only in map-lists: oldSelf has no meaning below other lists.
    const keyed = s["x-kubernetes-list-type"] === "map"
    if (items) this.visit(items, `${path}.items`, elem, keyed ? uncorrelatable : (uncorrelatable ?? path))
  }

  #fieldType(type: DeclType | undefined | null, name: string, p: Schema): DeclType | undefined | null {
    if (type === null || !this.types) return null
    if (!escapeName(name))
      return this.types.of(
        p,
        !!p["x-kubernetes-embedded-resource"],
        `${this.types.prefix}_${this.types.objects.length}`,
      )
    return type?.kind === "object" ? type.fields.get(name)?.type : undefined
  }
}

function compileErrors(c: Compilation, env: Environment): FieldError[] {
  const at = `${c.path}.x-kubernetes-validations`
  if (!c.type) {
    return [
      {
        type: "InternalError",
        field: at,
        message:
          "Internal error: internal error: failed to retrieve type information for x-kubernetes-validations",
      },
    ]
  }
  const rules = c.schema["x-kubernetes-validations"] ?? []
  let compiled
  try {
    compiled = compileRules(c.schema, c.type, env)
  } catch (err) {
    return [{ type: "InternalError", field: at, message: `Internal error: ${(err as Error).message}` }]
  }
  const errs: FieldError[] = []
  compiled.forEach((cr, i) => {
    const r = rules[i] as ValidationRule
    const p = `${at}[${i}]`
    if (cr.error?.type === "Required") errs.push(fieldErrors.required(`${p}.rule`, cr.error.detail))
    else if (cr.error) errs.push(fieldErrors.invalidShown(`${p}.rule`, shownRule(r), cr.error.detail))
    if (cr.messageError)
      errs.push(fieldErrors.invalidShown(`${p}.messageExpression`, shownRule(r), cr.messageError.detail))
    if (cr.usesOldSelf) {
      if (c.uncorrelatable !== undefined) {
        const why = `oldSelf cannot be used on the uncorrelatable portion of the schema within ${c.uncorrelatable}`
        errs.push(fieldErrors.invalidValue(`${p}.rule`, r.rule, why))
      }
    } else if (r.optionalOldSelf !== undefined) {
      errs.push(
        fieldErrors.invalidValue(
          `${p}.optionalOldSelf`,
          r.optionalOldSelf,
          "may not be set if oldSelf is not used in rule",
        ),
      )
    }
  })
  return errs
}

/**
 * The errors of the x-kubernetes-validations of every version's schema. `compile`: the schemas
 * are structural and their defaults valid, so rules may be compiled (upstream's CEL context).
 */
export function validateCrdRules(crd: CustomResourceDefinition, compile: boolean): FieldError[] {
  const fieldErrs: FieldError[] = []
  const celErrs: FieldError[] = []
  for (const { schema, path } of crdSchemas(crd)) {
    const types = compile ? new DeclTypes(`selfType${++typeSerial}`) : undefined
    const walk = new Walk(types)
    walk.visit(schema, path, types ? types.of(schema, true) : null)
    fieldErrs.push(...walk.fieldErrs)
    if (!types || !walk.compilations.length) continue
    const env = baseEnvironment().clone()
    types.register(env)
    for (const c of walk.compilations) celErrs.push(...compileErrors(c, env))
  }
  return [...fieldErrs, ...celErrs]
}

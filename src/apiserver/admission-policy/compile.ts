/**
 * Compiles a ValidatingAdmissionPolicy's expressions as upstream's compilePolicy does: its
 * variables in order (each seeing those before it, typed as its expression is), then its
 * matchConditions (bool), validations (bool) with their messageExpressions (string, without
 * `authorizer`) and auditAnnotations (string or null), each with `params` when the policy has a
 * paramKind. An expression that does not compile keeps its error, which evaluating it reports.
 */
import type { Environment } from "@marcbachmann/cel-js"
import type { ValidatingAdmissionPolicySpec, Validation } from "kubernetes-types/admissionregistration/v1.js"
import { checkExpression, type Program } from "../crd/cel/compile.ts"
import { celGoTypeName } from "../crd/cel/type-names.ts"
import { type CompiledCondition, compileCondition } from "../webhook/conditions.ts"
import { policyEnvironment } from "./environment.ts"

/** One expression compiled, or why it did not (upstream's cel.Error detail, all of type Invalid). */
export type Compiled =
  | { readonly expression: string; readonly program: Program; readonly type: string }
  | { readonly expression: string; readonly error: string }

/** What an expression must evaluate to: cel-go type names, or anything. */
type ReturnTypes = readonly string[] | "any"

/** Compiles `expression` in `env`; its type must be one of `returns`. */
export function compileExpression(env: Environment, expression: string, returns: ReturnTypes): Compiled {
  const c = checkExpression(env, expression)
  if (c.error !== undefined || !c.program)
    return { expression, error: `compilation failed: ${c.error ?? ""}` }
  const got = celGoTypeName(c.type ?? "dyn")
  if (returns !== "any" && !returns.includes(got)) {
    const detail =
      returns.length === 1
        ? `must evaluate to ${returns[0]} but got ${got}`
        : `must evaluate to one of [${returns.join(" ")}] but got ${got}`
    return { expression, error: detail }
  }
  return { expression, program: c.program, type: c.type ?? "dyn" }
}

/** A validation with its compiled expression and messageExpression. */
export interface CompiledValidation {
  readonly validation: Validation
  readonly expression: Compiled
  readonly message?: Compiled
}

/** An audit annotation with its compiled valueExpression. */
export interface CompiledAuditAnnotation {
  readonly key: string
  readonly value: Compiled
}

/** A policy's expressions compiled (upstream's Validator). */
export interface CompiledPolicy {
  readonly hasParams: boolean
  /** The policy's variables by name, in order (a repeated name: the last). */
  readonly variables: ReadonlyMap<string, Compiled>
  /** Each variable compiled, as listed (undefined: not compiled, as validation skips a blank one). */
  readonly variableList: readonly (Compiled | undefined)[]
  readonly matchConditions: readonly CompiledCondition[]
  readonly validations: readonly CompiledValidation[]
  readonly auditAnnotations: readonly CompiledAuditAnnotation[]
}

/** How to compile: at runtime (upstream's compilePolicy), or as validation does (stateless). */
export interface CompileOptions {
  /**
   * As upstream's validation compiles: matchConditions (trimmed) without variables, the other
   * expressions with `variables` only when the policy declares some, valueExpressions trimmed.
   */
  readonly stateless?: boolean
}

/** The type a compiled variable gives its field (dyn when it did not compile). */
function fieldType(c: Compiled): string {
  return "program" in c ? c.type : "dyn"
}

/** Compiles the variables in order, each in an environment with the fields before it. */
export function compileVariables(
  spec: ValidatingAdmissionPolicySpec,
  envFor: (fields: ReadonlyMap<string, string>) => Environment,
  stateless: boolean,
): { variables: Map<string, Compiled>; list: (Compiled | undefined)[]; fields: Map<string, string> } {
  const variables = new Map<string, Compiled>()
  const fields = new Map<string, string>()
  const list = (spec.variables ?? []).map((v) => {
    if (stateless && !v.expression?.trim()) return undefined
    const env = envFor(fields)
    const c = compileExpression(env, v.expression ?? "", "any")
    variables.set(v.name ?? "", c)
    fields.set(v.name ?? "", fieldType(c))
    return c
  })
  return { variables, list, fields }
}

/** Compiles the expressions of a policy's spec. */
export function compilePolicy(
  spec: ValidatingAdmissionPolicySpec,
  opts: CompileOptions = {},
): CompiledPolicy {
  const hasParams = !!spec.paramKind
  const envFor = (f: ReadonlyMap<string, string>) =>
    policyEnvironment({ params: hasParams, authorizer: true }, f)
  const { variables, list, fields } = compileVariables(spec, envFor, !!opts.stateless)
  const composed = opts.stateless && (spec.variables ?? []).length === 0 ? undefined : fields
  const env = policyEnvironment({ params: hasParams, authorizer: true }, composed)
  const messageEnv = policyEnvironment({ params: hasParams, authorizer: false }, composed)
  const conditionEnv = opts.stateless
    ? policyEnvironment({ params: hasParams, authorizer: true }, undefined)
    : env
  const matchConditions = (spec.matchConditions ?? []).map((c) => {
    const expression = opts.stateless ? (c.expression ?? "").trim() : (c.expression ?? "")
    return compileCondition(c.name ?? "", expression, conditionEnv)
  })
  const validations = (spec.validations ?? []).map((v): CompiledValidation => {
    const expression = compileExpression(env, v.expression ?? "", ["bool"])
    if (!v.messageExpression?.trim()) return { validation: v, expression }
    return {
      validation: v,
      expression,
      message: compileExpression(messageEnv, v.messageExpression, ["string"]),
    }
  })
  const auditAnnotations = (spec.auditAnnotations ?? []).map((a) => {
    const value = opts.stateless ? (a.valueExpression ?? "").trim() : (a.valueExpression ?? "")
    return { key: a.key ?? "", value: compileExpression(env, value, ["string", "null_type"]) }
  })
  return { hasParams, variables, variableList: list, matchConditions, validations, auditAnnotations }
}

/**
 * A webhook's matchConditions, compiled and evaluated with CEL in upstream's admission CEL
 * environment (admission-cel.ts: `object` and `oldObject` at the webhook's version, `request`,
 * `authorizer`). The first condition that is false skips the webhook; errors fail the request
 * (failurePolicy Fail) or skip the webhook (Ignore). ValidatingAdmissionPolicies evaluate theirs
 * the same way, in their own environment.
 */
import type { Environment } from "@marcbachmann/cel-js"
import { aggregateMessage } from "../../util/index.ts"
import { checkExpression } from "../crd/cel/compile.ts"
import { evalErrorText } from "../crd/cel/errors.ts"
import { celGoTypeName } from "../crd/cel/type-names.ts"
import { admissionEnvironment, celValue, newAuthorizer } from "./admission-cel.ts"

/** A compiled condition: a program, or why it did not compile (upstream's error detail). */
export type CompiledCondition =
  | {
      readonly name: string
      readonly expression: string
      readonly run: (vars: Record<string, unknown>) => unknown
    }
  | { readonly name: string; readonly expression: string; readonly error: string }

/** Compiles one condition (in `env`, by default a webhook's); it must be a bool. */
export function compileCondition(
  name: string,
  expression: string,
  env: Environment = admissionEnvironment({ params: false, authorizer: true }),
): CompiledCondition {
  const c = checkExpression(env, expression)
  if (c.error !== undefined) return { name, expression, error: `compilation failed: ${c.error}` }
  if (c.type !== "bool" || !c.program)
    return { name, expression, error: `must evaluate to bool but got ${celGoTypeName(c.type ?? "dyn")}` }
  return { name, expression, run: c.program }
}

/** What evaluating a webhook's conditions decided. */
export type ConditionResult =
  | { readonly matches: true }
  | { readonly matches: false; readonly failedCondition?: string }
  | { readonly error: string }

/** The variables conditions see. */
export interface ConditionInput {
  readonly object: unknown
  readonly oldObject: unknown
  readonly request: unknown
  /** The `authorizer` variable (newAuthorizer); absent: one that allows everything. */
  readonly authorizer?: object
}

/**
 * Evaluates conditions in order as upstream's matcher: a false one means no match at once;
 * otherwise errors (compile or evaluation) are the result, joined as an aggregate prints them.
 */
export function evaluateConditions(
  conditions: readonly CompiledCondition[],
  input: ConditionInput,
): ConditionResult {
  return evaluateConditionsWith(conditions, {
    object: celValue(input.object ?? null),
    oldObject: celValue(input.oldObject ?? null),
    namespaceObject: null,
    request: celValue(input.request),
    authorizer: input.authorizer ?? newAuthorizer(),
  })
}

/** evaluateConditions with the CEL variables given as they are (a policy's, with params and variables). */
export function evaluateConditionsWith(
  conditions: readonly CompiledCondition[],
  vars: Record<string, unknown>,
): ConditionResult {
  const errors: string[] = []
  for (const c of conditions) {
    if ("error" in c) {
      errors.push(`compilation error: ${c.error}`)
      continue
    }
    let result: unknown
    try {
      result = c.run(vars)
    } catch (err) {
      errors.push(`expression '${c.expression}' resulted in error: ${evalErrorText(err)}`)
      continue
    }
    if (result === false) return { matches: false, failedCondition: c.name }
  }
  if (errors.length === 0) return { matches: true }
  return { error: aggregateMessage(errors) }
}

/**
 * The CEL environments of a ValidatingAdmissionPolicy's expressions, as upstream's composited
 * compiler builds them: the admission environment (with `params` when the policy has a
 * paramKind) plus `variables`, an object of type kubernetes.variables whose fields are the
 * policy's variables compiled so far, each of the type its expression has. A variable's value
 * is computed when an expression first reads it, once per evaluation; one that does not compile
 * or fails fails whatever reads it.
 */
import type { Environment } from "@marcbachmann/cel-js"
import { admissionEnvironment, type AdmissionVariables } from "../webhook/admission-cel.ts"

/** upstream's VariablesTypeName. */
const VARIABLES_TYPE = "kubernetes.variables"

/** How a variable's value is had: computed, or why it cannot be. */
export type VariableSource = (name: string) => unknown

/**
 * The value of `variables`: each field computed on first read and kept. A failing field throws
 * (a CEL error, which `||` and `&&` may absorb as cel-go's do).
 */
export class LazyVariables extends Map<string, unknown> {
  readonly #compute: VariableSource
  readonly #names: ReadonlySet<string>

  constructor(names: ReadonlySet<string>, compute: VariableSource) {
    super()
    this.#names = names
    this.#compute = compute
  }

  override get(name: string): unknown {
    if (super.has(name)) return super.get(name)
    if (!this.#names.has(name)) return undefined
    const value = this.#compute(name)
    super.set(name, value)
    return value
  }

  override has(name: string): boolean {
    return this.#names.has(name)
  }
}

/** `base` with `variables` of `fields` (name to CEL type name). */
export function withVariables(base: Environment, fields: ReadonlyMap<string, string>): Environment {
  return base
    .clone()
    .registerType(VARIABLES_TYPE, { ctor: LazyVariables, fields: Object.fromEntries(fields) })
    .registerVariable("variables", VARIABLES_TYPE)
}

/**
 * An environment of policy expressions: `vars`' optional variables, and `variables` with
 * `fields` when given (a policy's expressions always see `variables`; its validation compiles
 * them without when it declares none, as upstream's stateless compiler).
 */
export function policyEnvironment(
  vars: AdmissionVariables,
  fields: ReadonlyMap<string, string> | undefined,
): Environment {
  const base = admissionEnvironment(vars)
  return fields ? withVariables(base, fields) : base
}

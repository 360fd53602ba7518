/**
 * The type checking of a ValidatingAdmissionPolicy, as upstream's TypeChecker does it for the
 * policy status controller: the kinds its matchConstraints name explicitly (no wildcard group or
 * version; resources without wildcards or subresources; at most 10 a rule), each whose schema is
 * known (a built-in kind's, a custom resource's version's) gives `object` and `oldObject` their
 * type, and `params` the paramKind's (params is not declared when its schema is unknown); each
 * validation's expression and messageExpression is compiled against each kind, with the
 * variables, and what does not compile is a warning `<group>/<version>, Kind=<kind>: <issues>`.
 */
import type { Environment } from "@marcbachmann/cel-js"
import type {
  ExpressionWarning,
  NamedRuleWithOperations,
  ValidatingAdmissionPolicy,
} from "kubernetes-types/admissionregistration/v1.js"
import type { ResourceInfo, StructuralSchema } from "../../api/index.ts"
import { checkExpression } from "../crd/cel/compile.ts"
import { DeclTypes } from "../crd/cel/decl-types.ts"
import { typedAdmissionEnvironment } from "../webhook/admission-cel.ts"
import { compileVariables } from "./compile.ts"
import { withVariables } from "./environment.ts"
import { gvkString, paramKindOf } from "./params.ts"

/** upstream's maxTypesToCheck. */
const MAX_TYPES_TO_CHECK = 10

/** What the type checker reads of the server. */
export interface TypeCheckSource {
  /** The served resource at `group`/`version` named `resource`. */
  resource(group: string, version: string, resource: string): ResourceInfo | undefined
  /** The served resource of `kind` at `group`/`version`. */
  kind(group: string, version: string, kind: string): ResourceInfo | undefined
  /** The schema of a resource's objects, if known. */
  schema(info: ResourceInfo): StructuralSchema | undefined
}

interface Gvk {
  readonly group: string
  readonly version: string
  readonly kind: string
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function byGvk(a: Gvk, b: Gvk): number {
  return compare(a.group, b.group) || compare(a.version, b.version) || compare(a.kind, b.kind)
}

/** The kinds a rule names explicitly, as upstream's typesToCheck reads it. */
function kindsOfRule(
  rule: NamedRuleWithOperations,
  source: TypeCheckSource,
  into: Map<string, Gvk>,
): boolean {
  const groups = rule.apiGroups ?? []
  const versions = rule.apiVersions ?? []
  if (groups.some((g) => g.includes("*")) || versions.some((v) => v.includes("*"))) return false
  const resources = ((rule as { resources?: string[] }).resources ?? []).filter((r) => !/[*/]/.test(r))
  let count = 0
  for (const group of [...groups].sort(compare)) {
    for (const version of [...versions].sort(compare)) {
      for (const resource of [...resources].sort(compare)) {
        const info = source.resource(group, version, resource)
        if (!info) continue
        into.set(`${group}/${version}/${info.kind}`, { group, version, kind: info.kind })
        if (++count === MAX_TYPES_TO_CHECK) return true
      }
    }
  }
  return false
}

/** The kinds to check a policy against, in group, version, kind order. */
export function typesToCheck(p: ValidatingAdmissionPolicy, source: TypeCheckSource): Gvk[] {
  const found = new Map<string, Gvk>()
  for (const rule of p.spec?.matchConstraints?.resourceRules ?? []) {
    if (kindsOfRule(rule, source, found)) break
  }
  return [...found.values()].sort(byGvk)
}

let serial = 0

/** The CEL type of a kind's objects, and how to register its object types. */
function declTypeOf(schema: StructuralSchema, kind: string): DeclTypeOf | undefined {
  const types = new DeclTypes(`${kind}${++serial}`)
  const t = types.of(schema, true)
  return t ? { name: t.name, types } : undefined
}

interface DeclTypeOf {
  readonly name: string
  readonly types: DeclTypes
}

/** An environment typed for a kind (and a paramKind), with the schemas it was built from. */
interface TypedEnvironment {
  readonly object: StructuralSchema
  readonly params: StructuralSchema | undefined
  readonly env: Environment
}

/** How many typed environments are kept (each holds a kind's few hundred object types). */
const MAX_ENVIRONMENTS = 32

/** Lets the event loop run between two expensive steps. */
function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** upstream's TypeChecker: checks policies, keeping the environments it typed for each kind. */
export class TypeChecker {
  readonly #source: TypeCheckSource
  readonly #envs = new Map<string, TypedEnvironment>()

  constructor(source: TypeCheckSource) {
    this.#source = source
  }

  #schemaOf(gvk: Gvk): StructuralSchema | undefined {
    const info = this.#source.kind(gvk.group, gvk.version, gvk.kind)
    return info && this.#source.schema(info)
  }

  /** The environment with `object` of `gvk` and `params` of `paramsGvk`, undefined without a schema. */
  async #environment(gvk: Gvk, paramsGvk: Gvk | undefined): Promise<Environment | undefined> {
    const object = this.#schemaOf(gvk)
    if (!object) return undefined
    const params = paramsGvk && this.#schemaOf(paramsGvk)
    const key = `${gvkString(gvk)}|${paramsGvk ? gvkString(paramsGvk) : ""}`
    const known = this.#envs.get(key)
    if (known && known.object === object && known.params === params) return known.env
    await yieldToRequests()
    const objectType = declTypeOf(object, gvk.kind)
    if (!objectType) return undefined
    const paramsType = params && paramsGvk ? declTypeOf(params, paramsGvk.kind) : undefined
    const env = typedAdmissionEnvironment(
      { params: !!paramsType, authorizer: true },
      {
        register(e) {
          objectType.types.register(e)
          paramsType?.types.register(e)
        },
        object: objectType.name,
        params: paramsType?.name,
      },
    )
    this.#envs.delete(key)
    this.#envs.set(key, { object, params, env })
    if (this.#envs.size > MAX_ENVIRONMENTS) this.#envs.delete(this.#envs.keys().next().value as string)
    return env
  }

  /** The warnings of a policy's expressions (empty when all type-check). */
  async check(p: ValidatingAdmissionPolicy): Promise<ExpressionWarning[]> {
    const pk = p.spec?.paramKind
    const paramsGvk = pk ? paramKindOf(pk) : undefined
    const checked: { gvk: Gvk; env: Environment }[] = []
    for (const gvk of typesToCheck(p, this.#source)) {
      const env = await this.#environment(gvk, paramsGvk)
      if (!env) continue
      const { fields } = compileVariables(p.spec ?? {}, (f) => withVariables(env, f), false)
      checked.push({ gvk, env: withVariables(env, fields) })
    }
    const warningOf = (expression: string): string | undefined => {
      const messages = checked.flatMap(({ gvk, env }) => {
        const error = checkExpression(env, expression).error
        return error === undefined ? [] : [`${gvkString(gvk)}: ${error}\n`]
      })
      return messages.length ? messages.join("\n") : undefined
    }
    const warnings: ExpressionWarning[] = []
    ;(p.spec?.validations ?? []).forEach((v, i) => {
      const expression = warningOf(v.expression ?? "")
      if (expression) warnings.push({ fieldRef: `spec.validations[${i}].expression`, warning: expression })
      if (!v.messageExpression) return
      const message = warningOf(v.messageExpression)
      if (message) warnings.push({ fieldRef: `spec.validations[${i}].messageExpression`, warning: message })
    })
    return warnings
  }
}

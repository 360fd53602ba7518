/**
 * A webhook's matchConditions, compiled and evaluated with CEL as upstream's admission CEL
 * environment has them: `object` and `oldObject` (dyn, at the webhook's version, null when
 * absent), `request` (kubernetes.AdmissionRequest: the review's request without uid or objects)
 * and `authorizer` with `authorizer.requestResource`, whose decisions are k8ts's permissive
 * authorization's (always allowed). The first condition that is false skips the webhook; errors
 * fail the request (failurePolicy Fail) or skip the webhook (Ignore). Cost limits are not kept.
 */
import type { Environment } from "@marcbachmann/cel-js"
import { checkExpression } from "../crd/cel/compile.ts"
import { baseEnvironment } from "../crd/cel/environment.ts"
import { evalErrorText } from "../crd/cel/errors.ts"
import { celGoTypeName } from "../crd/cel/type-names.ts"

const AUTHORIZER = "kubernetes.authorization.Authorizer"
const PATH_CHECK = "kubernetes.authorization.PathCheck"
const GROUP_CHECK = "kubernetes.authorization.GroupCheck"
const RESOURCE_CHECK = "kubernetes.authorization.ResourceCheck"
const DECISION = "kubernetes.authorization.Decision"

/** What an authorization check would ask; k8ts allows every request, so no field is read. */
class ResourceCheck {}
class PathCheck {}
class GroupCheck {}
/** A decision of k8ts's authorization: allowed, without a reason or an error. */
class Decision {}

/** The `authorizer` variable: its requestResource is the request's own resource. */
class Authorizer {
  readonly requestResource = new ResourceCheck()
}

function registerAuthorizer(env: Environment): void {
  const resourceCheck = () => new ResourceCheck()
  env
    .registerType(RESOURCE_CHECK, { ctor: ResourceCheck, fields: {} })
    .registerType(PATH_CHECK, { ctor: PathCheck, fields: {} })
    .registerType(GROUP_CHECK, { ctor: GroupCheck, fields: {} })
    .registerType(DECISION, { ctor: Decision, fields: {} })
    .registerType(AUTHORIZER, { ctor: Authorizer, fields: { requestResource: RESOURCE_CHECK } })
    .registerFunction(`${AUTHORIZER}.path(string): ${PATH_CHECK}`, () => new PathCheck())
    .registerFunction(`${AUTHORIZER}.group(string): ${GROUP_CHECK}`, () => new GroupCheck())
    .registerFunction(`${AUTHORIZER}.serviceAccount(string, string): ${AUTHORIZER}`, () => new Authorizer())
    .registerFunction(`${GROUP_CHECK}.resource(string): ${RESOURCE_CHECK}`, resourceCheck)
  for (const m of ["subresource", "namespace", "name", "fieldSelector", "labelSelector"])
    env.registerFunction(`${RESOURCE_CHECK}.${m}(string): ${RESOURCE_CHECK}`, resourceCheck)
  env
    .registerFunction(`${PATH_CHECK}.check(string): ${DECISION}`, () => new Decision())
    .registerFunction(`${RESOURCE_CHECK}.check(string): ${DECISION}`, () => new Decision())
    .registerFunction(`${DECISION}.allowed(): bool`, () => true)
    .registerFunction(`${DECISION}.errored(): bool`, () => false)
    .registerFunction(`${DECISION}.reason(): string`, () => "")
    .registerFunction(`${DECISION}.error(): string`, () => "")
}

function registerRequest(env: Environment): void {
  const gvk = { group: "string", version: "string", kind: "string" }
  const gvr = { group: "string", version: "string", resource: "string" }
  env
    .registerType("kubernetes.GroupVersionKind", { fields: gvk })
    .registerType("kubernetes.GroupVersionResource", { fields: gvr })
    .registerType("kubernetes.UserInfo", {
      fields: {
        username: "string",
        uid: "string",
        groups: "list<string>",
        extra: "map<string, list<string>>",
      },
    })
    .registerType("kubernetes.AdmissionRequest", {
      fields: {
        kind: "kubernetes.GroupVersionKind",
        resource: "kubernetes.GroupVersionResource",
        subResource: "string",
        requestKind: "kubernetes.GroupVersionKind",
        requestResource: "kubernetes.GroupVersionResource",
        requestSubResource: "string",
        name: "string",
        namespace: "string",
        operation: "string",
        userInfo: "kubernetes.UserInfo",
        dryRun: "bool",
        options: "dyn",
      },
    })
}

let environment: Environment | undefined

/** The environment of match conditions (built once). */
function conditionEnvironment(): Environment {
  if (environment) return environment
  const env = baseEnvironment().clone()
  registerRequest(env)
  registerAuthorizer(env)
  env
    .registerVariable("object", "dyn")
    .registerVariable("oldObject", "dyn")
    .registerVariable("namespaceObject", "dyn")
    .registerVariable("request", "kubernetes.AdmissionRequest")
    .registerVariable("authorizer", AUTHORIZER)
  environment = env
  return env
}

/** A compiled condition: a program, or why it did not compile (upstream's error detail). */
export type CompiledCondition =
  | {
      readonly name: string
      readonly expression: string
      readonly run: (vars: Record<string, unknown>) => unknown
    }
  | { readonly name: string; readonly expression: string; readonly error: string }

/** Compiles one condition; it must be a bool. */
export function compileCondition(name: string, expression: string): CompiledCondition {
  const c = checkExpression(conditionEnvironment(), expression)
  if (c.error !== undefined) return { name, expression, error: `compilation failed: ${c.error}` }
  if (c.type !== "bool" || !c.program)
    return { name, expression, error: `must evaluate to bool but got ${celGoTypeName(c.type ?? "dyn")}` }
  return { name, expression, run: c.program }
}

/**
 * A JSON value as CEL sees an unstructured object: integers as int (bigint), objects as maps,
 * lists as lists.
 */
export function celValue(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v
  if (Array.isArray(v)) return v.map(celValue)
  if (typeof v !== "object" || v === null) return v
  const out: Record<string, unknown> = {}
  for (const [k, e] of Object.entries(v)) if (e !== undefined) out[k] = celValue(e)
  return out
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
}

/**
 * Evaluates conditions in order as upstream's matcher: a false one means no match at once;
 * otherwise errors (compile or evaluation) are the result, joined as an aggregate prints them.
 */
export function evaluateConditions(
  conditions: readonly CompiledCondition[],
  input: ConditionInput,
): ConditionResult {
  const vars = {
    object: celValue(input.object ?? null),
    oldObject: celValue(input.oldObject ?? null),
    request: celValue(input.request),
    authorizer: new Authorizer(),
  }
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
  return { error: errors.length === 1 ? (errors[0] as string) : `[${errors.join(", ")}]` }
}

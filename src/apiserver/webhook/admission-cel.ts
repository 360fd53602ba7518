/**
 * The CEL environment of admission expressions, as upstream's admission plugin CEL compiler
 * declares it for webhooks' matchConditions and ValidatingAdmissionPolicies: `object` and
 * `oldObject` (dyn), `namespaceObject` (dyn here: upstream's typed kubernetes.Namespace only
 * differs in the fields it lets compile), `request` (kubernetes.AdmissionRequest, the review's
 * request without uid or objects), `params` (dyn, when the policy has a paramKind) and
 * `authorizer` with `authorizer.requestResource`, whose decisions are k8ts's permissive
 * authorization's (always allowed). Cost limits are not kept.
 */
import type { Environment } from "@marcbachmann/cel-js"
import { baseEnvironment } from "../crd/cel/environment.ts"

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

/** A value for the `authorizer` variable. */
export function newAuthorizer(): object {
  return new Authorizer()
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

/** Which optional variables an admission environment declares (upstream's OptionalVariableDeclarations). */
export interface AdmissionVariables {
  /** `params` (a policy with a paramKind). */
  readonly params: boolean
  /** `authorizer` and `authorizer.requestResource`. */
  readonly authorizer: boolean
}

/** Types given to `object`, `oldObject` and `params` instead of dyn (a type checker's). */
export interface AdmissionTypes {
  /** Registers the types named below on the environment. */
  readonly register: (env: Environment) => void
  readonly object: string
  /** Undefined: dyn. */
  readonly params?: string | undefined
}

function buildEnvironment(vars: AdmissionVariables, types?: AdmissionTypes): Environment {
  const env = baseEnvironment().clone()
  registerRequest(env)
  registerAuthorizer(env)
  types?.register(env)
  const object = types?.object ?? "dyn"
  env
    .registerVariable("object", object)
    .registerVariable("oldObject", object)
    .registerVariable("namespaceObject", "dyn")
    .registerVariable("request", "kubernetes.AdmissionRequest")
  if (vars.params) env.registerVariable("params", types?.params ?? "dyn")
  if (vars.authorizer) env.registerVariable("authorizer", AUTHORIZER)
  return env
}

const environments = new Map<string, Environment>()

/**
 * The admission environment with `vars`' optional variables (built once each); clone it before
 * registering anything.
 */
export function admissionEnvironment(vars: AdmissionVariables): Environment {
  const key = `${vars.params}/${vars.authorizer}`
  const known = environments.get(key)
  if (known) return known
  const env = buildEnvironment(vars)
  environments.set(key, env)
  return env
}

/**
 * An admission environment whose `object`, `oldObject` and `params` have the given types, as
 * upstream's type checker builds one per kind (built anew each time).
 */
export function typedAdmissionEnvironment(vars: AdmissionVariables, types: AdmissionTypes): Environment {
  return buildEnvironment(vars, types)
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

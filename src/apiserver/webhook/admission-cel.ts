/**
 * The CEL environment of admission expressions, as upstream's admission plugin CEL compiler
 * declares it for webhooks' matchConditions and ValidatingAdmissionPolicies: `object` and
 * `oldObject` (dyn), `namespaceObject` (dyn here: upstream's typed kubernetes.Namespace only
 * differs in the fields it lets compile), `request` (kubernetes.AdmissionRequest, the review's
 * request without uid or objects), `params` (dyn, when the policy has a paramKind) and
 * `authorizer` with `authorizer.requestResource`, whose checks the server's authorizer decides
 * for the request's user. Cost limits are not kept.
 */
import type { Environment } from "@marcbachmann/cel-js"
import type { AuthorizationAttributes, Authorizer as AuthzFn } from "../authz.ts"
import { baseEnvironment } from "../crd/cel/environment.ts"
import type { UserInfo } from "../http.ts"

const AUTHORIZER = "kubernetes.authorization.Authorizer"
const PATH_CHECK = "kubernetes.authorization.PathCheck"
const GROUP_CHECK = "kubernetes.authorization.GroupCheck"
const RESOURCE_CHECK = "kubernetes.authorization.ResourceCheck"
const DECISION = "kubernetes.authorization.Decision"

/** Who asks and whom: the server's authorizer (absent: everything is allowed) and the request's user. */
interface Asker {
  readonly authorize: AuthzFn | undefined
  readonly user: UserInfo
}

/** A decision of the server's authorizer, or the error asking it (upstream's decisionVal). */
class Decision {
  constructor(
    readonly decision: string,
    readonly reason: string,
    readonly error = "",
  ) {}
}

const ALLOWED = new Decision("Allow", "")

function decide(asker: Asker, attrs: Omit<AuthorizationAttributes, "user">): Decision {
  if (!asker.authorize) return ALLOWED
  try {
    const d = asker.authorize({ ...attrs, user: asker.user })
    // k8ts' authorizers answer at once; CEL cannot wait for one that does not.
    if (d instanceof Promise) return new Decision("NoOpinion", "", "authorization decision is not available")
    return new Decision(d.decision, d.reason)
  } catch (err) {
    return new Decision("NoOpinion", "", err instanceof Error ? err.message : String(err))
  }
}

/** A check of a resource (upstream's resourceCheckVal): each builder call returns a new one. */
class ResourceCheck {
  constructor(
    readonly asker: Asker,
    readonly attrs: Omit<AuthorizationAttributes, "user" | "verb" | "resourceRequest">,
  ) {}

  with(more: Partial<ResourceCheck["attrs"]>): ResourceCheck {
    return new ResourceCheck(this.asker, { ...this.attrs, ...more })
  }

  check(verb: string): Decision {
    return decide(this.asker, { ...this.attrs, verb, resourceRequest: true })
  }
}

class PathCheck {
  constructor(
    readonly asker: Asker,
    readonly path: string,
  ) {}
}

class GroupCheck {
  constructor(
    readonly asker: Asker,
    readonly group: string,
  ) {}
}

/** The `authorizer` variable; its requestResource is the request's own resource. */
class Authorizer {
  constructor(
    readonly asker: Asker,
    readonly requestResource: ResourceCheck,
  ) {}
}

/**
 * The resource a request is on, as authorizer.requestResource checks it (with any version, so
 * the request's own is not needed).
 */
export interface RequestResource {
  readonly group: string
  readonly resource: string
  readonly subresource: string
  readonly namespace: string
  readonly name: string
}

const NO_REQUEST: RequestResource = {
  group: "",
  resource: "",
  subresource: "",
  namespace: "",
  name: "",
}

/**
 * A value for the `authorizer` variable: checks asked of `authorize` (upstream's
 * NewAuthorizerVal) as `user`; without `authorize`, every check is allowed.
 */
export function newAuthorizer(
  authorize?: AuthzFn,
  user: UserInfo = { name: "", groups: [] },
  request: RequestResource = NO_REQUEST,
): object {
  const asker = { authorize, user }
  return new Authorizer(asker, requestCheck(asker, request))
}

function requestCheck(asker: Asker, r: RequestResource): ResourceCheck {
  // Any version, as upstream's NewResourceAuthorizerVal asks like every resource check: the
  // request's own version is not what the check is about.
  return new ResourceCheck(asker, {
    apiGroup: r.group,
    apiVersion: "*",
    resource: r.resource,
    subresource: r.subresource,
    namespace: r.namespace,
    name: r.name,
  })
}

/** A service account's user, as upstream's serviceaccount.UserInfo makes it (no uid). */
function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`],
  }
}

function registerAuthorizer(env: Environment): void {
  env
    .registerType(RESOURCE_CHECK, { ctor: ResourceCheck, fields: {} })
    .registerType(PATH_CHECK, { ctor: PathCheck, fields: {} })
    .registerType(GROUP_CHECK, { ctor: GroupCheck, fields: {} })
    .registerType(DECISION, { ctor: Decision, fields: {} })
    .registerType(AUTHORIZER, { ctor: Authorizer, fields: { requestResource: RESOURCE_CHECK } })
    .registerFunction(
      `${AUTHORIZER}.path(string): ${PATH_CHECK}`,
      (a: Authorizer, p: string) => new PathCheck(a.asker, p),
    )
    .registerFunction(
      `${AUTHORIZER}.group(string): ${GROUP_CHECK}`,
      (a: Authorizer, g: string) => new GroupCheck(a.asker, g),
    )
    .registerFunction(
      `${AUTHORIZER}.serviceAccount(string, string): ${AUTHORIZER}`,
      (a: Authorizer, ns: string, n: string) => {
        const asker = { authorize: a.asker.authorize, user: serviceAccountUser(ns, n) }
        return new Authorizer(asker, new ResourceCheck(asker, a.requestResource.attrs))
      },
    )
    .registerFunction(
      `${GROUP_CHECK}.resource(string): ${RESOURCE_CHECK}`,
      // Any version, as upstream's check asks.
      (g: GroupCheck, r: string) =>
        new ResourceCheck(g.asker, { apiGroup: g.group, apiVersion: "*", resource: r }),
    )
  const setters: Record<string, keyof ResourceCheck["attrs"]> = {
    subresource: "subresource",
    namespace: "namespace",
    name: "name",
    fieldSelector: "fieldSelector",
  }
  for (const [m, field] of Object.entries(setters))
    env.registerFunction(`${RESOURCE_CHECK}.${m}(string): ${RESOURCE_CHECK}`, (c: ResourceCheck, v: string) =>
      c.with({ [field]: v }),
    )
  // k8ts' attributes carry no label selector: it narrows nothing.
  env.registerFunction(`${RESOURCE_CHECK}.labelSelector(string): ${RESOURCE_CHECK}`, (c: ResourceCheck) => c)
  env
    .registerFunction(`${PATH_CHECK}.check(string): ${DECISION}`, (p: PathCheck, verb: string) =>
      decide(p.asker, { verb, resourceRequest: false, path: p.path }),
    )
    .registerFunction(`${RESOURCE_CHECK}.check(string): ${DECISION}`, (c: ResourceCheck, verb: string) =>
      c.check(verb),
    )
    .registerFunction(`${DECISION}.allowed(): bool`, (d: Decision) => d.decision === "Allow")
    .registerFunction(`${DECISION}.errored(): bool`, (d: Decision) => d.error !== "")
    .registerFunction(`${DECISION}.reason(): string`, (d: Decision) => d.reason)
    .registerFunction(`${DECISION}.error(): string`, (d: Decision) => d.error)
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

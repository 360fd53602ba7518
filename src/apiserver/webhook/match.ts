/**
 * Which webhooks a request goes to, as upstream's generic Webhook.ShouldCallHook decides: the
 * namespaceSelector (the namespace's labels; cluster-scoped objects always match; a Namespace its
 * own), the objectSelector (new or old object's labels), then the rules (operations, groups,
 * versions, `resource/subresource` with `*`, scope), and with matchPolicy Equivalent the rules
 * again against the other versions the same objects are served at.
 */
import type { Authorizer } from "../authz.ts"
import { newAuthorizer } from "./admission-cel.ts"
import type { RuleWithOperations as TypesRule } from "kubernetes-types/admissionregistration/v1.js"
import type { ApiObject, Labels, ResourceInfo } from "../../api/index.ts"
import type { AdmissionRequest } from "../registry/context.ts"
import { type ConditionInput, evaluateConditions } from "./conditions.ts"
import { forbidden } from "./errors.ts"
import type { Hook } from "./source.ts"

/** A webhook rule (the kubernetes-types one lacks the fields it inherits from Rule). */
export type RuleWithOperations = TypesRule & {
  readonly resources?: readonly string[]
  readonly scope?: string
}

/** A resource at a version, as admission names it. */
export interface GroupVersionResource {
  readonly group: string
  readonly version: string
  readonly resource: string
}

/** A kind at a version. */
export interface GroupVersionKind {
  readonly group: string
  readonly version: string
  readonly kind: string
}

/** The attributes of a request the rules look at (upstream's admission.Attributes). */
export interface Attributes {
  readonly operation: AdmissionRequest["operation"]
  readonly resource: GroupVersionResource
  readonly subresource: string
  readonly kind: GroupVersionKind
  /** For a Namespace (but on create), its own name, as upstream's request info has it. */
  readonly namespace: string
  readonly name: string
  readonly object?: ApiObject | undefined
  readonly old?: ApiObject | undefined
  /** The served resource of the request. */
  readonly info: ResourceInfo
}

/** A webhook to call, and the version it gets the object at (upstream's WebhookInvocation). */
export interface Invocation {
  readonly hook: Hook
  readonly resource: GroupVersionResource
  readonly subresource: string
  readonly kind: GroupVersionKind
  /** The served resource the webhook sees the object as (the request's or an equivalent). */
  readonly info: ResourceInfo
}

/** What matching reads from the cluster. */
export interface MatchEnv {
  /**
   * The labels of a namespace (from the cache, else the store). @throws ApiError NotFound for a
   * namespace that does not exist
   */
  namespaceLabels(name: string): Promise<Labels | undefined>
  /** The served resources storing the same objects as `info` (itself included). */
  equivalents(info: ResourceInfo): readonly ResourceInfo[]
  /** The server's authorizer, which CEL's `authorizer` asks (absent: it allows everything). */
  readonly authorize?: Authorizer
}

/**
 * The `authorizer` of a request's CEL expressions: the server's authorizer asked as the request's
 * user, requestResource being the resource at the version `info` matched it as.
 */
export function requestAuthorizer(
  env: MatchEnv,
  req: AdmissionRequest,
  info: ResourceInfo,
  a: Attributes,
): object {
  return newAuthorizer(env.authorize, req.user, {
    group: info.group,
    resource: info.resource,
    subresource: a.subresource,
    namespace: a.namespace,
    name: a.name,
  })
}

/** The kind of the objects a request on `info`'s `subresource` admits (a Scale for scale). */
export function kindOf(info: ResourceInfo, subresource: string): GroupVersionKind {
  const s = subresource ? info.subresources.find((x) => x.name === subresource) : undefined
  if (s?.kind) return { group: s.group ?? info.group, version: s.version ?? info.version, kind: s.kind }
  return { group: info.group, version: info.version, kind: info.kind }
}

/** The attributes webhooks see of an admission request. */
export function attributesOf(req: AdmissionRequest): Attributes {
  const info = req.info
  const isNamespace = info.group === "" && info.resource === "namespaces"
  return {
    operation: req.operation,
    resource: { group: info.group, version: info.version, resource: info.resource },
    subresource: req.subresource,
    kind: kindOf(info, req.subresource),
    namespace: isNamespace && req.operation !== "CREATE" ? req.name : req.namespace,
    name: req.name,
    object: req.object,
    old: req.old,
    info,
  }
}

function exactOrWildcard(items: readonly string[] | undefined, requested: string): boolean {
  return (items ?? []).some((i) => i === "*" || i === requested)
}

function isNamespaceResource(r: GroupVersionResource): boolean {
  return r.group === "" && r.version === "v1" && r.resource === "namespaces"
}

function scopeMatches(rule: RuleWithOperations, a: Attributes, resource: GroupVersionResource): boolean {
  switch (rule.scope ?? "*") {
    case "*":
      return true
    case "Namespaced":
      return !isNamespaceResource(resource) && a.namespace !== ""
    case "Cluster":
      return isNamespaceResource(resource) || a.namespace === ""
    default:
      return false
  }
}

function resourceMatches(rule: RuleWithOperations, resource: string, subresource: string): boolean {
  return (rule.resources ?? []).some((r) => {
    const slash = r.indexOf("/")
    const res = slash < 0 ? r : r.slice(0, slash)
    const sub = slash < 0 ? "" : r.slice(slash + 1)
    return (res === "*" || res === resource) && (sub === "*" || sub === subresource)
  })
}

/** Whether a rule matches the request as made to `resource` (upstream's rules.Matcher). */
export function ruleMatches(
  rule: RuleWithOperations,
  a: Attributes,
  resource: GroupVersionResource = a.resource,
): boolean {
  return (
    scopeMatches(rule, a, resource) &&
    (rule.operations ?? []).some((op) => op === "*" || op === a.operation) &&
    exactOrWildcard(rule.apiGroups, resource.group) &&
    exactOrWildcard(rule.apiVersions, resource.version) &&
    resourceMatches(rule, resource.resource, a.subresource)
  )
}

/**
 * The objects selected by the configuration kinds themselves are never sent to webhooks (upstream's
 * IsExemptAdmissionConfigurationResource): a broken webhook could otherwise never be removed.
 */
export function isExempt(a: Attributes): boolean {
  if (a.kind.group !== "admissionregistration.k8s.io") return false
  return /^(Validating|Mutating)(WebhookConfiguration|AdmissionPolicy|AdmissionPolicyBinding)$/.test(
    a.kind.kind,
  )
}

/**
 * The labels a namespaceSelector looks at: a Namespace being created or updated, its own new
 * labels; anything else, its namespace's. @throws ApiError NotFound for a namespace that does not exist
 */
export async function namespaceLabelsFor(a: Attributes, env: MatchEnv): Promise<Labels | undefined> {
  const isNamespace = a.resource.resource === "namespaces"
  // A Namespace being written: its new labels (the cache does not have them yet).
  if (isNamespace && a.subresource === "" && (a.operation === "CREATE" || a.operation === "UPDATE"))
    return a.object?.metadata?.labels ?? {}
  return (await env.namespaceLabels(a.namespace)) ?? {}
}

/** The first rule, or equivalent resource, that sends the request to `hook`. */
function invocationFor(hook: Hook, a: Attributes, env: MatchEnv): Invocation | undefined {
  const rules = (hook.webhook.rules ?? []) as readonly RuleWithOperations[]
  const sub = a.subresource
  if (rules.some((r) => ruleMatches(r, a)))
    return { hook, resource: a.resource, subresource: sub, kind: a.kind, info: a.info }
  if ((hook.webhook.matchPolicy ?? "Equivalent") !== "Equivalent") return undefined
  const equivalents = env.equivalents(a.info).filter((e) => e !== a.info)
  // Earlier rules first, then each equivalent in turn.
  for (const rule of rules) {
    for (const e of equivalents) {
      if (sub && !e.subresources.some((s) => s.name === sub)) continue
      const resource = { group: e.group, version: e.version, resource: e.resource }
      if (ruleMatches(rule, a, resource))
        return { hook, resource, subresource: sub, kind: kindOf(e, sub), info: e }
    }
  }
  return undefined
}

/**
 * Whether to call `hook` for the request, and how; undefined when it does not apply. A namespace
 * that cannot be found fails the request (404) only when the hook's rules match it; so do
 * matchConditions that cannot be evaluated (403), unless its failurePolicy is Ignore.
 * `conditionInput` gives what its matchConditions see of an invocation.
 * @throws ApiError NotFound, Forbidden
 */
export async function shouldCallHook(
  hook: Hook,
  a: Attributes,
  env: MatchEnv,
  conditionInput?: (inv: Invocation) => ConditionInput,
): Promise<Invocation | undefined> {
  let namespaceError: unknown
  const nsSelector = hook.namespaceSelector
  // A cluster-scoped object (not a Namespace) is never exempted by a namespaceSelector.
  if (nsSelector && !(a.namespace === "" && a.resource.resource !== "namespaces")) {
    try {
      if (!nsSelector(await namespaceLabelsFor(a, env))) return undefined
    } catch (err) {
      namespaceError = err
    }
  }
  const objSelector = hook.objectSelector
  if (objSelector && !(selects(objSelector, a.object) || selects(objSelector, a.old))) return undefined
  const invocation = invocationFor(hook, a, env)
  if (!invocation) return undefined
  if (namespaceError !== undefined) throw namespaceError
  if (hook.conditions.length === 0 || !conditionInput) return invocation
  const result = evaluateConditions(hook.conditions, conditionInput(invocation))
  if ("error" in result) {
    if (hook.webhook.failurePolicy === "Ignore") return undefined
    throw forbidden(a.resource, a.name, result.error)
  }
  return result.matches ? invocation : undefined
}

/** Whether `selector` selects `obj` by its labels (never when there is no object). */
export function selects(selector: (l: Labels | undefined) => boolean, obj: ApiObject | undefined): boolean {
  return obj !== undefined && selector(obj.metadata?.labels ?? {})
}

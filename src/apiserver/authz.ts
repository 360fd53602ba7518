/**
 * Authorization: whether a user may do something (upstream's authorizer.Authorizer, its
 * RuleResolver, the attributes a request is asked about and its Forbidden response). Which
 * authorizers answer is the server's --authorization-mode (authorization-modes.ts).
 */
import { ApiError } from "../api/index.ts"
import { goQuote } from "../util/index.ts"
import type { UserInfo } from "./http.ts"
import type { RequestInfo } from "./request-info.ts"
import { parseFieldSelector } from "./selectors.ts"

/** What an authorizer is asked (upstream's authorizer.Attributes). */
export interface AuthorizationAttributes {
  readonly user: UserInfo
  readonly verb: string
  /** A resource request (else a non-resource path). */
  readonly resourceRequest: boolean
  readonly apiGroup?: string
  readonly apiVersion?: string
  readonly resource?: string
  readonly subresource?: string
  readonly namespace?: string
  readonly name?: string
  /** The path of a non-resource request. */
  readonly path?: string
  /** A list, watch or deletecollection's fieldSelector, as given (upstream's GetFieldSelector). */
  readonly fieldSelector?: string
}

/** An authorizer's answer; `reason` is shown to a refused client. */
export interface AuthorizationDecision {
  readonly decision: "Allow" | "Deny" | "NoOpinion"
  readonly reason: string
}

/** Decides requests; anything but Allow refuses. */
export type Authorizer = (
  attrs: AuthorizationAttributes,
) => AuthorizationDecision | Promise<AuthorizationDecision>

/** A rule on resources as a review lists it (authorization/v1 ResourceRule; kubernetes-types lacks fields). */
export interface ResourceRule {
  readonly verbs: readonly string[]
  readonly apiGroups?: readonly string[]
  readonly resources?: readonly string[]
  readonly resourceNames?: readonly string[]
}

/** A rule on non-resource paths as a review lists it (authorization/v1 NonResourceRule). */
export interface NonResourceRule {
  readonly verbs: readonly string[]
  readonly nonResourceURLs?: readonly string[]
}

/** What a user may do in a namespace (upstream's RuleResolver answer, SelfSubjectRulesReview's status). */
export interface SubjectRules {
  readonly resourceRules: readonly ResourceRule[]
  readonly nonResourceRules: readonly NonResourceRule[]
  /** Some authorizer could not list everything it would allow. */
  readonly incomplete: boolean
  readonly evaluationError?: string
}

/** Lists a user's rules in a namespace. */
export type RuleResolver = (user: UserInfo, namespace: string) => SubjectRules

const ALLOW: AuthorizationDecision = { decision: "Allow", reason: "" }

/** Allows everything (upstream's AlwaysAllow authorizer). */
export function alwaysAllow(): AuthorizationDecision {
  return ALLOW
}

/** The rules of AlwaysAllow: everything. */
export function everythingRules(): SubjectRules {
  return {
    resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
    nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
    incomplete: false,
  }
}

/** A name a path segment may be (upstream's IsValidPathSegmentName). */
function isPathSegmentName(name: string): boolean {
  return name !== "." && name !== ".." && !name.includes("/") && !name.includes("%")
}

/**
 * The name a list or watch is narrowed to by `fieldSelector=metadata.name=<name>` (upstream's
 * request info authorizes such a list as one on that object); "" otherwise, a selector that
 * does not parse included.
 */
function selectedName(query: URLSearchParams): string {
  const selector = query.get("fieldSelector")
  if (!selector) return ""
  try {
    const req = parseFieldSelector(selector).find((r) => r.field === "metadata.name" && r.op === "=")
    return req && isPathSegmentName(req.value) ? req.value : ""
  } catch {
    return ""
  }
}

/**
 * What the authorizer is asked about a request (upstream's GetAuthorizerAttributes): a resource
 * request's verb, group, version, resource, subresource, namespace and name, or the lower-cased
 * method and path of anything else (discovery paths such as /api/v1 and /apis/apps included).
 */
export function requestAttributes(
  method: string,
  ri: RequestInfo,
  user: UserInfo,
  query: URLSearchParams,
): AuthorizationAttributes {
  if (!ri.isResource || !ri.resource)
    return { user, verb: method.toLowerCase(), resourceRequest: false, path: ri.path }
  const listing = ri.verb === "list" || ri.verb === "watch"
  const fieldSelector = listing || ri.verb === "deletecollection" ? query.get("fieldSelector") : null
  return {
    user,
    verb: ri.verb,
    resourceRequest: true,
    apiGroup: ri.group,
    apiVersion: ri.version,
    resource: ri.resource,
    subresource: ri.subresource,
    namespace: ri.namespace,
    name: ri.name || (listing ? selectedName(query) : ""),
    ...(fieldSelector ? { fieldSelector } : {}),
  }
}

function sanitize(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
}

/** `User "jane" cannot impersonate resource "users" in API group "" at the cluster scope`. */
function forbiddenMessage(a: AuthorizationAttributes): string {
  const user = goQuote(a.user.name)
  if (!a.resourceRequest) return `User ${user} cannot ${a.verb} path ${goQuote(a.path ?? "")}`
  const resource = a.subresource ? `${a.resource ?? ""}/${a.subresource}` : (a.resource ?? "")
  const what = `User ${user} cannot ${a.verb} resource ${goQuote(resource)} in API group ${goQuote(a.apiGroup ?? "")}`
  return a.namespace ? `${what} in the namespace ${goQuote(a.namespace)}` : `${what} at the cluster scope`
}

/** The 403 of a refused request (upstream's responsewriters.ForbiddenStatusError). */
export function forbiddenByAuthorizer(a: AuthorizationAttributes, reason: string): ApiError {
  const msg = sanitize(forbiddenMessage(a))
  const why = reason ? `${msg}: ${reason}` : msg
  const group = a.apiGroup ?? ""
  const resource = a.resource ?? ""
  const qualified = group ? `${resource}.${group}` : resource
  const name = a.name ?? ""
  const message = !qualified
    ? `forbidden: ${why}`
    : name
      ? `${qualified} ${goQuote(name)} is forbidden: ${why}`
      : `${qualified} is forbidden: ${why}`
  return new ApiError("Forbidden", message, {
    ...(name ? { name } : {}),
    ...(group ? { group } : {}),
    ...(resource ? { kind: resource } : {}),
  })
}

/**
 * Authorization: whether a user may do something (upstream's authorizer.Authorizer and its
 * Forbidden response). k8ts authorizes everything for now (upstream's AlwaysAllow); the checks
 * that ask, such as impersonation's, already go through one Authorizer so that enforcement
 * (RBAC) plugs in here.
 */
import { ApiError } from "../api/index.ts"
import { goQuote } from "../util/index.ts"
import type { UserInfo } from "./http.ts"

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

const ALLOW: AuthorizationDecision = { decision: "Allow", reason: "" }

/** Allows everything (upstream's AlwaysAllow): k8ts' authorization while it has no RBAC. */
export function alwaysAllow(): AuthorizationDecision {
  return ALLOW
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

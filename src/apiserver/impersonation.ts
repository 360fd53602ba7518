/**
 * Impersonation (upstream's WithImpersonation filter): a request with Impersonate-User,
 * Impersonate-Group, Impersonate-Uid or Impersonate-Extra-<key> headers acts as the user they
 * name, once the authenticated requestor is authorized to `impersonate` each of them; everything
 * after (admission, SelfSubjectReview, a CSR's requestor) sees the impersonated user.
 */
import { badRequest, isDns1123Label, isDns1123Subdomain } from "../api/index.ts"
import { type AuthorizationAttributes, type Authorizer, forbiddenByAuthorizer } from "./authz.ts"
import type { ApiRequest, UserInfo } from "./http.ts"

const USER_HEADER = "impersonate-user"
const GROUP_HEADER = "impersonate-group"
const UID_HEADER = "impersonate-uid"
const EXTRA_PREFIX = "impersonate-extra-"
const AUTHENTICATION_V1 = "authentication.k8s.io/v1"
const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"

/** One thing a request asks to act as (upstream builds an ObjectReference per header value). */
interface ImpersonationRequest {
  readonly kind: "User" | "ServiceAccount" | "Group" | "UserExtra" | "UID"
  readonly name: string
  readonly namespace?: string
  readonly apiVersion?: string
  /** The extra's key, for UserExtra. */
  readonly fieldPath?: string
}

/** Every value of a header, each apart where the transport keeps them so. */
function headerValues(req: ApiRequest, name: string): readonly string[] {
  if (req.headerValues) return req.headerValues(name)
  const v = req.header(name)
  return v === undefined ? [] : v.split(", ")
}

function headerNames(req: ApiRequest): Iterable<string> {
  if (req.headerNames) return req.headerNames()
  return [...(req.headerEntries?.() ?? [])].map(([k]) => k.toLowerCase())
}

/** A service account's namespace and name from its username, if it is one (SplitUsername). */
function serviceAccountOf(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(":")
  if (parts.length !== 2) return undefined
  const [namespace, name] = parts as [string, string]
  if (isDns1123Label(namespace).length || isDns1123Subdomain(name).length) return undefined
  return { namespace, name }
}

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key)
  } catch {
    return key // recorded as sent when it is not %-encoded properly
  }
}

/** Go's %v of an ObjectReference: its seven fields in order, space-separated, in braces. */
function goReference(r: ImpersonationRequest): string {
  const fields = [r.kind, r.namespace ?? "", r.name, "", r.apiVersion ?? "", "", r.fieldPath ?? ""]
  return `{${fields.join(" ")}}`
}

/**
 * What the request asks to act as, in upstream's order (user, groups, extras, uid); empty
 * without impersonation headers.
 * @throws ApiError BadRequest for groups, extras or a uid without a user
 */
function impersonationRequests(req: ApiRequest, names: readonly string[]): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = []
  const user = headerValues(req, USER_HEADER)[0] ?? ""
  if (user) {
    const sa = serviceAccountOf(user)
    out.push(sa ? { kind: "ServiceAccount", ...sa } : { kind: "User", name: user })
  }
  const groups = headerValues(req, GROUP_HEADER)
  for (const g of groups) out.push({ kind: "Group", name: g })
  let extras = false
  for (const header of names) {
    if (!header.startsWith(EXTRA_PREFIX)) continue
    extras = true
    const key = unescapeExtraKey(header.slice(EXTRA_PREFIX.length))
    for (const value of headerValues(req, header))
      out.push({ kind: "UserExtra", name: value, apiVersion: AUTHENTICATION_V1, fieldPath: key })
  }
  const uid = headerValues(req, UID_HEADER)[0] ?? ""
  if (uid) out.push({ kind: "UID", name: uid, apiVersion: AUTHENTICATION_V1 })
  if ((groups.length > 0 || extras || uid) && !user)
    throw badRequest(`requested [${out.map(goReference).join(" ")}] without impersonating a user`)
  return out
}

/** The authorization check of one impersonation request. */
function attributesOf(r: ImpersonationRequest, requestor: UserInfo): AuthorizationAttributes {
  const base = { user: requestor, verb: "impersonate", resourceRequest: true, name: r.name }
  switch (r.kind) {
    case "ServiceAccount":
      return {
        ...base,
        apiGroup: "",
        apiVersion: "",
        resource: "serviceaccounts",
        namespace: r.namespace ?? "",
      }
    case "User":
      return { ...base, apiGroup: "", apiVersion: "", resource: "users" }
    case "Group":
      return { ...base, apiGroup: "", apiVersion: "", resource: "groups" }
    case "UserExtra":
      return {
        ...base,
        apiGroup: "authentication.k8s.io",
        apiVersion: "v1",
        resource: "userextras",
        subresource: r.fieldPath ?? "",
      }
    case "UID":
      return { ...base, apiGroup: "authentication.k8s.io", apiVersion: "v1", resource: "uids" }
  }
}

/**
 * `groups` with system:authenticated added (system:unauthenticated for system:anonymous) unless
 * one of the two is there already.
 */
function withAuthenticationGroup(username: string, groups: string[]): string[] {
  if (username === "system:anonymous") {
    if (!groups.includes("system:unauthenticated")) groups.push("system:unauthenticated")
  } else if (!groups.includes("system:authenticated") && !groups.includes("system:unauthenticated"))
    groups.push("system:authenticated")
  return groups
}

/**
 * The user a request acts as when it asks to impersonate one, after authorizing `requestor` to
 * impersonate each thing it names; undefined when it asks for nothing.
 * @throws ApiError BadRequest (groups, extras or a uid without a user), Forbidden (not allowed)
 */
export async function impersonatedUser(
  req: ApiRequest,
  requestor: UserInfo,
  authorize: Authorizer,
): Promise<UserInfo | undefined> {
  let names: string[] | undefined
  for (const n of headerNames(req)) if (n.startsWith("impersonate-")) (names ??= []).push(n)
  if (!names) return undefined
  const requests = impersonationRequests(req, names)
  if (requests.length === 0) return undefined
  // Groups given are the whole list; a service account's are known from its namespace.
  const groupsGiven = headerValues(req, GROUP_HEADER).length > 0
  let username = ""
  let uid = ""
  let groups: string[] = []
  const extra: Record<string, string[]> = {}
  for (const r of requests) {
    const attrs = attributesOf(r, requestor)
    const { decision, reason } = await authorize(attrs)
    if (decision !== "Allow") throw forbiddenByAuthorizer(attrs, reason)
    if (r.kind === "ServiceAccount") {
      username = `${SERVICE_ACCOUNT_PREFIX}${r.namespace}:${r.name}`
      if (!groupsGiven) groups = ["system:serviceaccounts", `system:serviceaccounts:${r.namespace}`]
    } else if (r.kind === "User") username = r.name
    else if (r.kind === "Group") groups.push(r.name)
    else if (r.kind === "UserExtra") (extra[r.fieldPath ?? ""] ??= []).push(r.name)
    else uid = r.name
  }
  return {
    name: username,
    groups: withAuthenticationGroup(username, groups),
    ...(uid ? { uid } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  }
}

/**
 * The create-only review kinds a client asks questions with, answered and never stored:
 * SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectAccessReview
 * (authorization.k8s.io/v1: the server's authorizer's decision), SelfSubjectRulesReview (its
 * rule resolvers' rules), TokenReview (authentication.k8s.io/v1: the token authenticated by the
 * server's own authenticator) and SelfSubjectReview (who am I).
 */
import { ApiError, badRequest, fieldErrors, invalid, type FieldError } from "../../api/index.ts"
import { ANONYMOUS } from "../authn.ts"
import type { AuthorizationAttributes } from "../authz.ts"
import type { ApiRequest, ApiResponse, UserInfo } from "../http.ts"
import { decodeBody } from "../negotiate.ts"
import { json } from "../output.ts"
import { timestamp } from "../registry/context.ts"
import type { ResourceRequest } from "./context.ts"

type Obj = Record<string, any>

const AUTHZ = "authorization.k8s.io"

/** What upstream's ValidateSubjectAccessReviewSpec checks: one kind of attributes, a user or group. */
function validateSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = []
  if (spec.resourceAttributes && spec.nonResourceAttributes)
    errs.push(
      fieldErrors.invalidShown(
        "spec.nonResourceAttributes",
        "&authorization.NonResourceAttributes{...}",
        "cannot be specified in combination with resourceAttributes",
      ),
    )
  if (!spec.resourceAttributes && !spec.nonResourceAttributes)
    errs.push(
      fieldErrors.invalidValue(
        "spec.resourceAttributes",
        "null",
        "exactly one of nonResourceAttributes or resourceAttributes must be specified",
      ),
    )
  if (!spec.user && !(spec.groups ?? []).length)
    errs.push(
      fieldErrors.invalidValue(
        "spec.user",
        spec.user ?? "",
        "at least one of user or group must be specified",
      ),
    )
  return errs
}

/** What a review's spec asks about `user` (upstream's ResourceAttributesFrom / NonResourceAttributesFrom). */
function attributesOf(spec: Obj, user: UserInfo): AuthorizationAttributes {
  const ra = spec.resourceAttributes as Obj | undefined
  if (!ra) {
    const na = (spec.nonResourceAttributes ?? {}) as Obj
    return { user, verb: na.verb ?? "", resourceRequest: false, path: na.path ?? "" }
  }
  return {
    user,
    verb: ra.verb ?? "",
    resourceRequest: true,
    apiGroup: ra.group ?? "",
    // No version asks about every version.
    apiVersion: ra.version || "*",
    resource: ra.resource ?? "",
    subresource: ra.subresource ?? "",
    namespace: ra.namespace ?? "",
    name: ra.name ?? "",
  }
}

/** The user a SubjectAccessReview's spec names, as given (no group is added). */
function specUser(spec: Obj): UserInfo {
  return {
    name: spec.user ?? "",
    groups: [...(spec.groups ?? [])],
    ...(spec.uid ? { uid: spec.uid } : {}),
    ...(spec.extra ? { extra: spec.extra } : {}),
  }
}

/** The review `body` answered with the authorizer's decision about `user`. */
async function answer(
  r: ResourceRequest,
  kind: string,
  body: Obj,
  user: UserInfo,
  namespace?: string,
): Promise<ApiResponse> {
  const { decision, reason } = await r.parts.authorization.authorize(attributesOf(body.spec, user))
  return json(201, {
    kind,
    apiVersion: `${AUTHZ}/v1`,
    metadata: { ...(namespace ? { namespace } : {}), creationTimestamp: null },
    spec: body.spec,
    status: {
      allowed: decision === "Allow",
      ...(decision === "Deny" ? { denied: true } : {}),
      ...(reason ? { reason } : {}),
    },
  })
}

/** POST subjectaccessreviews: may this user do this? */
export async function subjectAccessReview(r: ResourceRequest): Promise<ApiResponse> {
  const b = (decodeBody(r.req.header("content-type"), await r.req.body()) ?? {}) as Obj
  const spec = (b.spec ?? {}) as Obj
  const errs = validateSpec(spec)
  if (b.metadata && Object.keys(b.metadata).length)
    errs.unshift(fieldErrors.invalidShown("metadata", "v1.ObjectMeta{...}", "must be empty"))
  if (errs.length) throw invalid("SubjectAccessReview", "", errs, AUTHZ)
  return answer(r, "SubjectAccessReview", b, specUser(spec))
}

/** POST namespaces/{ns}/localsubjectaccessreviews: the same question within one namespace. */
export async function localSubjectAccessReview(r: ResourceRequest): Promise<ApiResponse> {
  const b = (decodeBody(r.req.header("content-type"), await r.req.body()) ?? {}) as Obj
  const ns = r.namespace
  const own = b.metadata?.namespace || ns
  if (own !== ns) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${ns}`)
  const spec = (b.spec ?? {}) as Obj
  const errs = validateSpec(spec)
  const attrNs = spec.resourceAttributes?.namespace ?? ""
  if (spec.resourceAttributes && attrNs !== own)
    errs.push(
      fieldErrors.invalidValue("spec.resourceAttributes.namespace", attrNs, "must match metadata.namespace"),
    )
  if (spec.nonResourceAttributes)
    errs.push(
      fieldErrors.invalidShown(
        "spec.nonResourceAttributes",
        "&authorization.NonResourceAttributes{...}",
        "disallowed on this kind of request",
      ),
    )
  if (errs.length) throw invalid("LocalSubjectAccessReview", "", errs, AUTHZ)
  return answer(r, "LocalSubjectAccessReview", b, specUser(spec), own)
}

/** A request carrying only the token under review, for the server's authenticator. */
function tokenRequest(token: string, signal: AbortSignal): ApiRequest {
  return {
    method: "POST",
    path: "/",
    query: new URLSearchParams(),
    header: (name) => (name.toLowerCase() === "authorization" ? `Bearer ${token}` : undefined),
    body: async () => Buffer.alloc(0),
    signal,
  }
}

function userInfo(u: UserInfo): Obj {
  return {
    username: u.name,
    ...(u.uid ? { uid: u.uid } : {}),
    groups: [...u.groups],
    extra: { ...(u.extra ?? {}) },
  }
}

/** POST tokenreviews: who a bearer token authenticates as (an unknown token: not authenticated). */
export async function tokenReview(r: ResourceRequest): Promise<ApiResponse> {
  const b = (decodeBody(r.req.header("content-type"), await r.req.body()) ?? {}) as Obj
  const spec = (b.spec ?? {}) as Obj
  if (!spec.token) throw badRequest("token is required for TokenReview in authentication")
  let user: UserInfo | undefined
  try {
    user = await r.parts.authenticate?.(tokenRequest(String(spec.token), r.req.signal))
  } catch {
    // upstream's token authenticators answer an unknown token with "not authenticated"
    user = undefined
  }
  const apiAudiences = r.parts.serviceAccountTokens?.options.audiences ?? []
  const wanted: string[] = spec.audiences ?? []
  const audiences = wanted.length ? wanted.filter((a) => apiAudiences.includes(a)) : [...apiAudiences]
  const status: Obj = { authenticated: false, user: {} }
  if (user && wanted.length && audiences.length === 0) status.error = "token audiences is invalid"
  else if (user) {
    status.authenticated = true
    status.user = userInfo(user)
    if (audiences.length) status.audiences = audiences
  }
  return json(201, {
    kind: "TokenReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { creationTimestamp: null },
    spec,
    status,
  })
}

/** POST selfsubjectaccessreviews: may I do this? */
export async function selfSubjectAccessReview(r: ResourceRequest): Promise<ApiResponse> {
  const b = decodeBody(r.req.header("content-type"), await r.req.body()) as Obj
  if (!b?.spec?.resourceAttributes && !b?.spec?.nonResourceAttributes) {
    throw new ApiError(
      "Invalid",
      `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
    )
  }
  return answer(r, "SelfSubjectAccessReview", b, r.req.user ?? ANONYMOUS)
}

/**
 * POST selfsubjectrulesreviews (`kubectl auth can-i --list`): the rules the server's rule
 * resolvers list for the requesting user in the namespace (under AlwaysAllow, everything).
 */
export async function selfSubjectRulesReview(r: ResourceRequest): Promise<ApiResponse> {
  const b = decodeBody(r.req.header("content-type"), await r.req.body()) as Obj
  const namespace = b?.spec?.namespace
  if (!namespace) throw badRequest("no namespace on request")
  const rules = r.parts.authorization.rulesFor(r.req.user ?? ANONYMOUS, String(namespace))
  return json(201, {
    kind: "SelfSubjectRulesReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: { creationTimestamp: null },
    spec: {},
    status: {
      resourceRules: rules.resourceRules,
      nonResourceRules: rules.nonResourceRules,
      incomplete: rules.incomplete,
      ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
    },
  })
}

/** POST selfsubjectreviews (`kubectl auth whoami`): the identity the request authenticated as. */
export async function selfSubjectReview(r: ResourceRequest): Promise<ApiResponse> {
  await r.req.body()
  const user = r.req.user ?? ANONYMOUS
  return json(201, {
    kind: "SelfSubjectReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { creationTimestamp: timestamp(r.parts.clock.now()) },
    status: {
      userInfo: {
        username: user.name,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: [...user.groups],
        ...(user.extra ? { extra: user.extra } : {}),
      },
    },
  })
}

/**
 * The create-only review kinds a client asks questions with, answered and never stored:
 * SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectAccessReview
 * (authorization.k8s.io/v1: allowed while k8ts authorization is permissive),
 * SelfSubjectRulesReview (everything), TokenReview (authentication.k8s.io/v1: the token
 * authenticated by the server's own authenticator) and SelfSubjectReview (who am I).
 */
import { ApiError, badRequest, fieldErrors, invalid, type FieldError } from "../../api/index.ts"
import type { ApiRequest, ApiResponse, UserInfo } from "../http.ts"
import { decodeBody } from "../negotiate.ts"
import { json } from "../output.ts"
import { timestamp } from "../registry/context.ts"
import type { ResourceRequest } from "./context.ts"

type Obj = Record<string, any>

const AUTHZ = "authorization.k8s.io"
const PERMISSIVE = "k8ts authorization is permissive"

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

function answer(kind: string, body: Obj, namespace?: string): ApiResponse {
  return json(201, {
    kind,
    apiVersion: `${AUTHZ}/v1`,
    metadata: { ...(namespace ? { namespace } : {}), creationTimestamp: null },
    spec: body.spec,
    status: { allowed: true, reason: PERMISSIVE },
  })
}

/** POST subjectaccessreviews: may this user do this? Yes, while authorization is permissive. */
export async function subjectAccessReview(r: ResourceRequest): Promise<ApiResponse> {
  const b = (decodeBody(r.req.header("content-type"), await r.req.body()) ?? {}) as Obj
  const spec = (b.spec ?? {}) as Obj
  const errs = validateSpec(spec)
  if (b.metadata && Object.keys(b.metadata).length)
    errs.unshift(fieldErrors.invalidShown("metadata", "v1.ObjectMeta{...}", "must be empty"))
  if (errs.length) throw invalid("SubjectAccessReview", "", errs, AUTHZ)
  return answer("SubjectAccessReview", b)
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
  return answer("LocalSubjectAccessReview", b, own)
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

/** POST selfsubjectaccessreviews: allowed while authorization is permissive. */
export async function selfSubjectAccessReview(r: ResourceRequest): Promise<ApiResponse> {
  const b = decodeBody(r.req.header("content-type"), await r.req.body()) as Obj
  if (!b?.spec?.resourceAttributes && !b?.spec?.nonResourceAttributes) {
    throw new ApiError(
      "Invalid",
      `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
    )
  }
  return answer("SelfSubjectAccessReview", b)
}

/**
 * POST selfsubjectrulesreviews (`kubectl auth can-i --list`): while authorization is permissive
 * everyone may do everything, the rules upstream's AlwaysAllow authorizer reports.
 */
export async function selfSubjectRulesReview(r: ResourceRequest): Promise<ApiResponse> {
  const b = decodeBody(r.req.header("content-type"), await r.req.body()) as Obj
  if (!b?.spec?.namespace) throw badRequest("no namespace on request")
  return json(201, {
    kind: "SelfSubjectRulesReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: { creationTimestamp: null },
    spec: {},
    status: {
      resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
      nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
      incomplete: false,
    },
  })
}

/** POST selfsubjectreviews (`kubectl auth whoami`): the identity the request authenticated as. */
export async function selfSubjectReview(r: ResourceRequest): Promise<ApiResponse> {
  await r.req.body()
  const user = r.req.user ?? { name: "system:anonymous", groups: ["system:unauthenticated"] }
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

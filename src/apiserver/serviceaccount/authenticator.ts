/**
 * Authenticates service account tokens (upstream's JWT token authenticator with its legacy-free
 * validator): a JWT of this server's issuer must carry a valid signature, audience and time
 * window, and the service account (and the pod, secret or node it is bound to) must still exist
 * with the uid the token names.
 */
import { ApiError } from "../../api/index.ts"
import type { Clock } from "../../util/index.ts"
import { type ApiRequest, CREDENTIAL_ID_EXTRA, type UserInfo } from "../http.ts"
import {
  type ClaimRef,
  type ServiceAccountClaims,
  issuerOf,
  serviceAccountUsername,
  verifyToken,
} from "./claims.ts"
import {
  type LookupResource,
  type ObjectLookup,
  type ServiceAccountTokenOptions,
  apiAudiences,
  verifyingKeys,
} from "./config.ts"

/** Extra keys upstream puts on a service account user. */
export const EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name"
export const EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid"
export const EXTRA_NODE_NAME = "authentication.kubernetes.io/node-name"
export const EXTRA_NODE_UID = "authentication.kubernetes.io/node-uid"

const LEEWAY_MS = 60_000

function unauthorized(): ApiError {
  return new ApiError("Unauthorized", "Unauthorized")
}

/** The bearer token of a request, if any. */
export function bearerToken(req: ApiRequest): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.header("authorization") ?? "")
  return m?.[1]
}

/** Checks that a referenced object still exists with the same uid and is not long deleted. */
async function stillThere(
  lookup: ObjectLookup,
  resource: LookupResource,
  namespace: string,
  ref: ClaimRef | undefined,
  nowMs: number,
): Promise<boolean> {
  if (!ref) return true
  const obj = await lookup(resource, namespace, ref.name)
  if (!obj) return false
  const deleted = obj.metadata?.deletionTimestamp
  if (deleted && Date.parse(deleted) < nowMs - LEEWAY_MS) return false
  // A node reference may carry no uid (its node was missing when the token was issued).
  return ref.uid === undefined && resource === "nodes" ? true : obj.metadata?.uid === ref.uid
}

async function validateBindings(
  claims: ServiceAccountClaims,
  lookup: ObjectLookup,
  nowMs: number,
): Promise<boolean> {
  const k = claims["kubernetes.io"]
  return (
    (await stillThere(lookup, "serviceaccounts", k.namespace, k.serviceaccount, nowMs)) &&
    (await stillThere(lookup, "secrets", k.namespace, k.secret, nowMs)) &&
    (await stillThere(lookup, "pods", k.namespace, k.pod, nowMs)) &&
    // Only a token bound to the node itself fails with it; a pod's node is informational.
    (k.pod !== undefined || (await stillThere(lookup, "nodes", "", k.node, nowMs)))
  )
}

/** The user a valid token stands for. */
export function userOfClaims(claims: ServiceAccountClaims): UserInfo {
  const k = claims["kubernetes.io"]
  const extra: Record<string, string[]> = {}
  if (k.pod) {
    extra[EXTRA_POD_NAME] = [k.pod.name]
    extra[EXTRA_POD_UID] = [k.pod.uid ?? ""]
  }
  if (k.node) {
    extra[EXTRA_NODE_NAME] = [k.node.name]
    if (k.node.uid) extra[EXTRA_NODE_UID] = [k.node.uid]
  }
  if (claims.jti) extra[CREDENTIAL_ID_EXTRA] = [`JTI=${claims.jti}`]
  return {
    name: serviceAccountUsername(k.namespace, k.serviceaccount.name),
    uid: k.serviceaccount.uid ?? "",
    groups: ["system:serviceaccounts", `system:serviceaccounts:${k.namespace}`, "system:authenticated"],
    extra,
  }
}

/**
 * An authenticator of service account bearer tokens: undefined for requests without one or with a
 * token of another issuer (left to other authenticators), Unauthorized for an invalid one.
 */
export function serviceAccountAuthenticator(
  opts: ServiceAccountTokenOptions,
  lookup: ObjectLookup,
  clock: Clock,
): (req: ApiRequest) => Promise<UserInfo | undefined> {
  return async (req) => {
    const token = bearerToken(req)
    if (!token || issuerOf(token) !== opts.issuer) return undefined
    const nowMs = clock.now()
    let claims: ServiceAccountClaims
    try {
      claims = await verifyToken(token, {
        keys: verifyingKeys(opts),
        issuer: opts.issuer,
        audiences: apiAudiences(opts),
        nowMs,
      })
    } catch {
      throw unauthorized()
    }
    if (!(await validateBindings(claims, lookup, nowMs))) throw unauthorized()
    return userOfClaims(claims)
  }
}

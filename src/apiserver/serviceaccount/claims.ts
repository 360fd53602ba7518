/**
 * Service account token claims (upstream's pkg/serviceaccount claims.go and jwt.go): who the
 * token is for, what it is bound to, and signing and verifying them as a JWS.
 */
import { randomUUID } from "node:crypto"
import { type JWTPayload, SignJWT, decodeJwt, jwtVerify } from "jose"
import type { ServiceAccountKey } from "./key.ts"

/** Injected bound token expiration that makes the server warn instead of fail (1 hour 7 s). */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7
/** What such tokens are extended to: one year. */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60

/** A name and uid in the `kubernetes.io` claim. */
export interface ClaimRef {
  readonly name: string
  readonly uid?: string
}

/** The private `kubernetes.io` claim. */
export interface KubernetesClaim {
  readonly namespace: string
  readonly node?: ClaimRef
  readonly pod?: ClaimRef
  readonly secret?: ClaimRef
  readonly serviceaccount: ClaimRef
  readonly warnafter?: number
}

/** A service account token's claims. */
export interface ServiceAccountClaims extends JWTPayload {
  readonly aud: string[]
  readonly exp: number
  readonly iat: number
  readonly iss: string
  readonly jti: string
  readonly "kubernetes.io": KubernetesClaim
  readonly nbf: number
  readonly sub: string
}

/** What a token is issued for. */
export interface ClaimsInput {
  readonly serviceAccount: { readonly namespace: string; readonly name: string; readonly uid: string }
  readonly pod?: ClaimRef
  readonly secret?: ClaimRef
  readonly node?: ClaimRef
  readonly audiences: readonly string[]
  readonly expirationSeconds: number
  /** Seconds after which use is logged as stale (0: none). */
  readonly warnAfterSeconds?: number
}

/** `system:serviceaccount:<ns>:<name>` */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`
}

function ref(r: ClaimRef): ClaimRef {
  return r.uid ? { name: r.name, uid: r.uid } : { name: r.name }
}

/** The claims of a new token issued by `issuer` at `nowMs`. */
export function claimsOf(input: ClaimsInput, issuer: string, nowMs: number): ServiceAccountClaims {
  const now = Math.floor(nowMs / 1000)
  const sa = input.serviceAccount
  const k8s: KubernetesClaim = {
    namespace: sa.namespace,
    ...(input.node ? { node: ref(input.node) } : {}),
    ...(input.pod ? { pod: ref(input.pod) } : {}),
    ...(input.secret ? { secret: ref(input.secret) } : {}),
    serviceaccount: { name: sa.name, uid: sa.uid },
    ...(input.warnAfterSeconds ? { warnafter: now + input.warnAfterSeconds } : {}),
  }
  return {
    aud: [...input.audiences],
    exp: now + input.expirationSeconds,
    iat: now,
    iss: issuer,
    jti: randomUUID(),
    "kubernetes.io": k8s,
    nbf: now,
    sub: serviceAccountUsername(sa.namespace, sa.name),
  }
}

/** Signs claims as a compact JWS with the key's algorithm and key id. */
export function signClaims(claims: ServiceAccountClaims, key: ServiceAccountKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey)
}

/** The issuer a JWT claims, undefined when the text is not a JWT. */
export function issuerOf(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss
    return typeof iss === "string" ? iss : undefined
  } catch {
    return undefined
  }
}

/** What verifying needs: the keys, the issuer, the accepted audiences, the time. */
export interface VerifyOptions {
  readonly keys: readonly ServiceAccountKey[]
  readonly issuer: string
  readonly audiences: readonly string[]
  readonly nowMs: number
}

function hasPrivateClaim(p: JWTPayload): p is ServiceAccountClaims {
  const k = p["kubernetes.io"] as Partial<KubernetesClaim> | undefined
  return typeof k?.namespace === "string" && typeof k.serviceaccount?.name === "string"
}

/**
 * Verifies the signature (any of the keys, by kid first), issuer, audience and time window
 * (60 s leeway, as go-jose's default).
 * @throws Error when the token is not valid
 */
export async function verifyToken(token: string, opts: VerifyOptions): Promise<ServiceAccountClaims> {
  let last: unknown = new Error("no keys to verify service account tokens with")
  for (const key of opts.keys) {
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        issuer: opts.issuer,
        audience: [...opts.audiences],
        currentDate: new Date(opts.nowMs),
        clockTolerance: 60,
        algorithms: [key.alg],
      })
      if (!hasPrivateClaim(payload)) throw new Error("service account token has no kubernetes.io claim")
      return payload
    } catch (err) {
      last = err
    }
  }
  throw last
}

/**
 * Service account issuer discovery (upstream's ServiceAccountIssuerDiscovery): the OpenID
 * provider configuration at /.well-known/openid-configuration and the public keys at
 * /openid/v1/jwks, so that other parties can verify service account tokens.
 */
import { exportJWK, type JWK } from "jose"
import type { ApiResponse } from "../http.ts"
import { type ServiceAccountTokenOptions, verifyingKeys } from "./config.ts"

/** The discovery document's path. */
export const OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration"
/** The key set's path. */
export const JWKS_PATH = "/openid/v1/jwks"

const CACHE_CONTROL = "public, max-age=3600"

/** The OpenID provider configuration; `externalAddress` is host:port clients reach the server at. */
export function openIdConfiguration(
  opts: ServiceAccountTokenOptions,
  externalAddress: string,
): Record<string, unknown> {
  const algs = [...new Set(verifyingKeys(opts).map((k) => k.alg))].sort()
  return {
    issuer: opts.issuer,
    jwks_uri: `https://${externalAddress}${JWKS_PATH}`,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: algs,
  }
}

/** The public keys as a JWK set, each with use "sig", its kid and alg. */
export async function jwks(opts: ServiceAccountTokenOptions): Promise<{ keys: JWK[] }> {
  const seen = new Set<string>()
  const keys: JWK[] = []
  for (const k of verifyingKeys(opts)) {
    if (seen.has(k.kid)) continue
    seen.add(k.kid)
    keys.push({ use: "sig", ...(await exportJWK(k.publicKey)), kid: k.kid, alg: k.alg })
  }
  return { keys }
}

/**
 * The discovery path `path` names, if any. Upstream's routes for them match with trailing
 * slashes too (go-restful trims them), and its OpenAPI lists them with one, so the generated
 * clients (the Python client's WellKnownApi and OpenidApi) ask for them with one.
 */
function discoveryPath(path: string): string | undefined {
  const p = path.replace(/\/+$/, "")
  return p === OPENID_CONFIGURATION_PATH || p === JWKS_PATH ? p : undefined
}

/** True for the two discovery paths. */
export function isIssuerDiscoveryPath(path: string): boolean {
  return discoveryPath(path) !== undefined
}

/** Serves one of the two discovery paths (GET). */
export async function serveIssuerDiscovery(
  path: string,
  opts: ServiceAccountTokenOptions,
  externalAddress: string,
): Promise<ApiResponse> {
  if (discoveryPath(path) === OPENID_CONFIGURATION_PATH) {
    return {
      status: 200,
      headers: { "content-type": "application/json", "cache-control": CACHE_CONTROL },
      body: JSON.stringify(openIdConfiguration(opts, externalAddress)),
    }
  }
  return {
    status: 200,
    headers: { "content-type": "application/jwk-set+json", "cache-control": CACHE_CONTROL },
    body: JSON.stringify(await jwks(opts)),
  }
}

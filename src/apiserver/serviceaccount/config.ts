/** How the API server issues and accepts service account tokens. */
import type { ApiObject } from "../../api/index.ts"
import type { ServiceAccountKey } from "./key.ts"

/** Options of the service account token parts (upstream's --service-account-* flags). */
export interface ServiceAccountTokenOptions {
  /** Signs new tokens (--service-account-signing-key-file). */
  readonly key: ServiceAccountKey
  /** More keys whose tokens are accepted (--service-account-key-file, for rotated-out keys). */
  readonly verifyKeys?: readonly ServiceAccountKey[]
  /** The `iss` of new tokens and the one accepted (--service-account-issuer). */
  readonly issuer: string
  /** The API's audiences (--api-audiences); default [issuer]. */
  readonly audiences?: readonly string[]
}

/** upstream's issuer for a cluster domain, as kubeadm and kind set it. */
export function defaultIssuer(clusterDomain = "cluster.local"): string {
  return `https://kubernetes.default.svc.${clusterDomain}`
}

/** The API audiences of the options. */
export function apiAudiences(opts: ServiceAccountTokenOptions): readonly string[] {
  return opts.audiences?.length ? opts.audiences : [opts.issuer]
}

/** Every key tokens are verified with: the signing key first. */
export function verifyingKeys(opts: ServiceAccountTokenOptions): readonly ServiceAccountKey[] {
  return [opts.key, ...(opts.verifyKeys ?? [])]
}

/** The core/v1 resources the token parts read. */
export type LookupResource = "serviceaccounts" | "pods" | "secrets" | "nodes"

/** Reads a current core/v1 object ("" namespace for nodes); undefined when it does not exist. */
export type ObjectLookup = (
  resource: LookupResource,
  namespace: string,
  name: string,
) => Promise<(ApiObject & { spec?: any }) | undefined>

/**
 * The API server: the Kubernetes REST API on a Store, with a watch cache, generic registry,
 * admission chain and discovery. Serves node:http, web fetch and in-process requests.
 * Imports api, storage and util.
 */
export type { KubeletClientConfig } from "./handlers/context.ts"
export { createApiServer, servedOf, type ApiServer, type ApiServerOptions } from "./server.ts"
export type { KubeletSummary, SummaryFetcher } from "./resource-metrics/index.ts"
export type { KubernetesServiceOptions } from "./kubernetes-service.ts"
export { listen, type Listening, type ListenOptions } from "./listen.ts"
export { waitForReadyz, type WaitForReadyzOptions } from "./wait-readyz.ts"
export type { ApiRequest, ApiResponse, UserInfo } from "./http.ts"
export type { AdmissionPlugin } from "./admission.ts"
export type { ComponentHealth, HealthProbe } from "./component-status.ts"
export type { AdmissionRequest } from "./registry/context.ts"
export { versionInfo } from "./handlers/non-resource.ts"
export { HEALTH_AND_VERSION } from "./rbac-bootstrap.ts"
export { ensurePki, issue, createCa, apiServerNames, type Pki, type KeyPair } from "./pki.ts"
export { createAuthenticator, parseTokenFile, type Authenticator } from "./authn.ts"
export {
  AUTHORIZATION_MODES,
  authorizationModeErrors,
  type AuthorizationMode,
} from "./authorization-modes.ts"
export {
  alwaysAllow,
  type AuthorizationAttributes,
  type AuthorizationDecision,
  type Authorizer,
} from "./authz.ts"
export {
  defaultIssuer,
  ensureServiceAccountKey,
  generateServiceAccountKey,
  type ServiceAccountKey,
  type ServiceAccountTokenOptions,
} from "./serviceaccount/index.ts"

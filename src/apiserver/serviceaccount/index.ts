/** Service account tokens: signing key, TokenRequest, authentication, admission, issuer discovery. */
export {
  ensureServiceAccountKey,
  generateServiceAccountKey,
  keyIdOf,
  serviceAccountKeyOf,
  type ServiceAccountKey,
} from "./key.ts"
export { defaultIssuer, type ObjectLookup, type ServiceAccountTokenOptions } from "./config.ts"
export { serviceAccountAuthenticator } from "./authenticator.ts"
export { serviceAccountAdmission } from "./admission.ts"
export { createToken } from "./token-request.ts"
export { isIssuerDiscoveryPath, serveIssuerDiscovery } from "./discovery.ts"

/** apiregistration.k8s.io/v1 defaults: an APIService's service listens on port 443 unless it says otherwise. */
import type { APIService } from "../apiservice.ts"

/** Fills spec.service.port with 443, as upstream's SetDefaults_ServiceReference. */
export function defaultAPIService(svc: APIService): void {
  const service = svc.spec?.service
  if (service) service.port ??= 443
}

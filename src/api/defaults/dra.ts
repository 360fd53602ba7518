/**
 * Defaults of resource.k8s.io/v1 (upstream's pkg/apis/resource/v1/defaults.go): a request, exact
 * or one alternative of a prioritized list, asks for ExactCount and then for one device; a
 * device toleration's operator is Equal. Claims get them in their spec, templates in the spec
 * of the claims they make.
 */
import type {
  DeviceRequestDetails,
  DeviceToleration,
  ResourceClaim,
  ResourceClaimSpec,
  ResourceClaimTemplate,
} from "../dra.ts"

function defaultTolerations(tolerations: DeviceToleration[] | undefined): void {
  for (const t of tolerations ?? []) t.operator ||= "Equal"
}

function defaultRequest(r: DeviceRequestDetails): void {
  r.allocationMode ||= "ExactCount"
  if (r.allocationMode === "ExactCount" && !r.count) r.count = 1
  defaultTolerations(r.tolerations)
}

function defaultClaimSpec(spec: ResourceClaimSpec | undefined): void {
  for (const req of spec?.devices?.requests ?? []) {
    if (req.exactly) defaultRequest(req.exactly)
    for (const sub of req.firstAvailable ?? []) defaultRequest(sub)
  }
}

/** Defaults of a ResourceClaim: its requests, and the tolerations of its allocated devices. */
export function defaultResourceClaim(claim: ResourceClaim): void {
  defaultClaimSpec(claim.spec)
  for (const r of claim.status?.allocation?.devices?.results ?? []) defaultTolerations(r.tolerations)
}

/** Defaults of a ResourceClaimTemplate: the requests of the claims it makes. */
export function defaultResourceClaimTemplate(template: ResourceClaimTemplate): void {
  defaultClaimSpec(template.spec?.spec)
}

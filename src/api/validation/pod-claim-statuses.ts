/**
 * A pod's status.resourceClaimStatuses (upstream's validatePodResourceClaimStatuses): each entry
 * names one of spec.resourceClaims, once, and the ResourceClaim it records is a valid claim name
 * (reported at the entry's name, as upstream does).
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { duplicate, invalidValue } from "../field-errors.ts"
import { child, index, list } from "./_field.ts"
import { nameIsDnsSubdomain } from "./names.ts"

/** The resource claim statuses of a pod status write. */
export function validatePodResourceClaimStatuses(pod: Pod): FieldError[] {
  const claims = new Set(list(pod.spec?.resourceClaims).map((c) => c.name))
  const seen = new Set<string>()
  const errs: FieldError[] = []
  list(pod.status?.resourceClaimStatuses).forEach((s, i) => {
    const field = child(index("status.resourceClaimStatuses", i), "name")
    const name = s.name ?? ""
    if (!claims.has(name))
      errs.push(invalidValue(field, name, "must match the name of an entry in `spec.resourceClaims`"))
    if (seen.has(name)) errs.push(duplicate(field, name))
    seen.add(name)
    const claim = s.resourceClaimName
    if (claim !== undefined && claim !== null)
      for (const m of nameIsDnsSubdomain(claim, false)) errs.push(invalidValue(field, claim, m))
  })
  return errs
}

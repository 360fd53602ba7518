/**
 * A ResourceQuota's scopes and scopeSelector (core validation's quota scope rules): known scopes
 * only, each allowed only with the standard resources it can track, no contradicting pair
 * (BestEffort with NotBestEffort, Terminating with NotTerminating), and selector operators
 * that fit their scope. Also the quota's rule for resource names: an unprefixed one must be a
 * resource the quota system tracks.
 */
import type { ResourceQuotaSpec } from "kubernetes-types/core/v1.js"
import type { FieldError } from "../errors.ts"
import { invalidShown, invalidValue, required } from "../field-errors.ts"
import { child, list } from "./_field.ts"
import { goScopeSelector, goStrings } from "./go-values.ts"
import { isStandardQuotaResource } from "./resources.ts"

const STANDARD_SCOPES = new Set([
  "Terminating",
  "NotTerminating",
  "BestEffort",
  "NotBestEffort",
  "PriorityClass",
  "CrossNamespacePodAffinity",
  "VolumeAttributesClass",
])

const POD_COUNT = new Set(["pods"])
const POD_COMPUTE = new Set([
  "cpu",
  "memory",
  "limits.cpu",
  "limits.memory",
  "requests.cpu",
  "requests.memory",
])
const CLAIM = new Set(["persistentvolumeclaims", "requests.storage"])

const CONFLICTS: readonly (readonly [string, string])[] = [
  ["BestEffort", "NotBestEffort"],
  ["Terminating", "NotTerminating"],
]

const EXISTS_ONLY = new Set([
  "BestEffort",
  "NotBestEffort",
  "Terminating",
  "NotTerminating",
  "CrossNamespacePodAffinity",
])

/** Upstream's IsResourceQuotaScopeValidForResource. */
function scopeTracks(scope: string, resource: string): boolean {
  switch (scope) {
    case "Terminating":
    case "NotTerminating":
    case "NotBestEffort":
    case "PriorityClass":
    case "CrossNamespacePodAffinity":
      return POD_COUNT.has(resource) || POD_COMPUTE.has(resource)
    case "BestEffort":
      return POD_COUNT.has(resource)
    case "VolumeAttributesClass":
      return CLAIM.has(resource)
    default:
      return true
  }
}

/** `name: Invalid value: "name": must be a standard resource for quota` for an unprefixed unknown name. */
export function validateQuotaResourceName(name: string, field: string): FieldError[] {
  if (name.includes("/") || isStandardQuotaResource(name)) return []
  return [invalidValue(field, name, "must be a standard resource for quota")]
}

/** How many standard hard resources a scope cannot track: upstream reports one error for each. */
function untracked(spec: ResourceQuotaSpec, scope: string): number {
  const hard = Object.keys(spec.hard ?? {})
  return hard.filter((r) => isStandardQuotaResource(r) && !scopeTracks(scope, r)).length
}

function conflicting(scopes: ReadonlySet<string>): number {
  return CONFLICTS.filter(([a, b]) => scopes.has(a) && scopes.has(b)).length
}

/** spec.scopes: known, fit for every standard hard resource, not contradicting. */
function validateScopes(spec: ResourceQuotaSpec): FieldError[] {
  const scopes = list(spec.scopes)
  if (scopes.length === 0) return []
  const field = "spec.scopes"
  const shown = goStrings(spec.scopes)
  const errs: FieldError[] = []
  for (const scope of scopes) {
    if (!STANDARD_SCOPES.has(scope)) errs.push(invalidShown(field, shown, "unsupported scope"))
    for (let i = untracked(spec, scope); i > 0; i--)
      errs.push(invalidShown(field, shown, "unsupported scope applied to resource"))
  }
  for (let i = conflicting(new Set(scopes)); i > 0; i--)
    errs.push(invalidShown(field, shown, "conflicting scopes"))
  return errs
}

function validateOperator(scope: string, operator: string, values: string[] | undefined, field: string) {
  const errs: FieldError[] = []
  if (EXISTS_ONLY.has(scope) && operator !== "Exists") {
    errs.push(
      invalidValue(
        child(field, "operator"),
        operator,
        "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
      ),
    )
  }
  switch (operator) {
    case "In":
    case "NotIn":
      if (!values?.length) {
        errs.push(
          required(
            child(field, "values"),
            "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
          ),
        )
      }
      break
    case "Exists":
    case "DoesNotExist":
      if (values?.length) {
        errs.push(
          invalidShown(
            child(field, "values"),
            goStrings(values),
            "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
          ),
        )
      }
      break
    default:
      errs.push(invalidValue(child(field, "operator"), operator, "not a valid selector operator"))
  }
  return errs
}

/** spec.scopeSelector's expressions, as spec.scopes plus operator and value rules. */
function validateScopeSelector(spec: ResourceQuotaSpec): FieldError[] {
  const sel = spec.scopeSelector
  if (!sel) return []
  // Upstream reports every expression's errors at the list, not at its index.
  const field = "spec.scopeSelector.matchExpressions"
  const errs: FieldError[] = []
  const seen = new Set<string>()
  for (const req of list(sel.matchExpressions)) {
    const scope = req.scopeName ?? ""
    if (!STANDARD_SCOPES.has(scope))
      errs.push(invalidValue(child(field, "scopeName"), scope, "unsupported scope"))
    for (let i = untracked(spec, scope); i > 0; i--)
      errs.push(invalidShown(field, goScopeSelector(sel), "unsupported scope applied to resource"))
    errs.push(...validateOperator(scope, req.operator ?? "", req.values, field))
    seen.add(scope)
  }
  // As upstream, the conflict is reported with spec.scopes as its value.
  for (let i = conflicting(seen); i > 0; i--)
    errs.push(invalidShown(field, goStrings(spec.scopes), "conflicting scopes"))
  return errs
}

/** A quota spec's scope rules: spec.scopes, then spec.scopeSelector. */
export function validateQuotaScopes(spec: ResourceQuotaSpec | undefined): FieldError[] {
  if (!spec) return []
  return [...validateScopes(spec), ...validateScopeSelector(spec)]
}

/**
 * Whether one RBAC PolicyRule allows a request (upstream's RuleAllows and the rbac/v1 evaluation
 * helpers): a verb, API group, resource and name for a resource request, a verb and path for a
 * non-resource one; `*` matches anything, `*\/<subresource>` any resource's subresource, and a
 * non-resource URL ending in `*` every path that starts with what precedes it.
 */
import type { PolicyRule } from "kubernetes-types/rbac/v1.js"
import type { AuthorizationAttributes } from "../authz.ts"

const ALL = "*"

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs ?? []) if (v === ALL || v === verb) return true
  return false
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  for (const g of rule.apiGroups ?? []) if (g === ALL || g === group) return true
  return false
}

/** `combined` is `resource` or `resource/subresource`; a `*\/sub` rule matches any resource's `sub`. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true
    if (subresource && r.length === subresource.length + 2 && r.startsWith("*/") && r.endsWith(subresource))
      return true
  }
  return false
}

/** No resourceNames: every name (a list or create, which has none, included). */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? []
  return names.length === 0 || names.includes(name)
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true
    if (u.endsWith("*") && path.startsWith(u.replace(/\*+$/, ""))) return true
  }
  return false
}

/** Whether `rule` allows the request `a`. */
export function ruleAllows(a: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path ?? "")
  const resource = a.resource ?? ""
  const sub = a.subresource ?? ""
  return (
    apiGroupMatches(rule, a.apiGroup ?? "") &&
    resourceMatches(rule, sub ? `${resource}/${sub}` : resource, sub) &&
    resourceNameMatches(rule, a.name ?? "")
  )
}

/** Whether any of `rules` allows `a`. */
export function rulesAllow(a: AuthorizationAttributes, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(a, r))
}

/**
 * Whether one set of rules covers another (upstream's policy comparator Covers): the covered
 * rules are broken down into single verb, group, resource (or URL) and name rules, each of which
 * one owner rule must cover whole. What is left over is what a grant would add, shown compacted
 * as upstream's escalation errors show it.
 */
import type { PolicyRule } from "kubernetes-types/rbac/v1.js"
import { goQuote } from "../../util/index.ts"

const ALL = "*"

/** `rule` as rules of one verb, one group, one resource and at most one name, or one verb and URL. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = []
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of rule.verbs ?? []) {
        const names = rule.resourceNames ?? []
        if (names.length === 0) out.push({ apiGroups: [group], resources: [resource], verbs: [verb] })
        else
          for (const name of names)
            out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] })
      }
  for (const url of rule.nonResourceURLs ?? [])
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] })
  return out
}

function hasAll(set: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => set.includes(w))
}

/** `owner` covers each resource, directly, by `*`, or a subresource by `*\/<subresource>`. */
function resourcesCovered(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes(ALL)) return true
  return wanted.every((r) => {
    if (owner.includes(r)) return true
    const slash = r.indexOf("/")
    return slash >= 0 && owner.includes(`*/${r.slice(slash + 1)}`)
  })
}

function urlCovered(owner: string, url: string): boolean {
  return owner === url || (owner.endsWith("*") && url.startsWith(owner.replace(/\*+$/, "")))
}

/** Whether `owner` covers `sub`, a rule of `breakdownRule`. */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs ?? []
  const groups = owner.apiGroups ?? []
  const ownerNames = owner.resourceNames ?? []
  const subNames = sub.resourceNames ?? []
  return (
    (verbs.includes(ALL) || hasAll(verbs, sub.verbs ?? [])) &&
    (groups.includes(ALL) || hasAll(groups, sub.apiGroups ?? [])) &&
    resourcesCovered(owner.resources ?? [], sub.resources ?? []) &&
    (sub.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => urlCovered(o, u))) &&
    (ownerNames.length === 0 || (subNames.length > 0 && hasAll(ownerNames, subNames)))
  )
}

/** The broken-down rules of `servant` that no rule of `owner` covers (none: `owner` covers it all). */
export function uncovered(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): PolicyRule[] {
  return servant.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)))
}

/**
 * Rules of one group and one resource and nothing but verbs merged, their verbs together
 * (upstream's CompactRules, for the missing rules of an escalation error).
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = []
  const simple = new Map<string, PolicyRule>()
  for (const r of rules) {
    const isSimple =
      !r.resourceNames?.length &&
      !r.nonResourceURLs?.length &&
      r.apiGroups?.length === 1 &&
      r.resources?.length === 1
    if (!isSimple) {
      out.push(r)
      continue
    }
    const key = `${r.apiGroups?.[0]}\u0000${r.resources?.[0]}`
    const known = simple.get(key)
    if (known) known.verbs = [...known.verbs, ...r.verbs]
    else simple.set(key, { ...r, verbs: [...r.verbs] })
  }
  return [...out, ...simple.values()]
}

/** Go's %q of a list of strings: `["a" "b"]`. */
export function goList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(" ")}]`
}

/** `{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}` (upstream's CompactString). */
export function compactString(r: PolicyRule): string {
  const parts: string[] = []
  if (r.apiGroups?.length) parts.push(`APIGroups:${goList(r.apiGroups)}`)
  if (r.resources?.length) parts.push(`Resources:${goList(r.resources)}`)
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goList(r.nonResourceURLs)}`)
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goList(r.resourceNames)}`)
  if (r.verbs?.length) parts.push(`Verbs:${goList(r.verbs)}`)
  return `{${parts.join(", ")}}`
}

/**
 * Whether a policy's matchConstraints, or a binding's matchResources, take a request, as
 * upstream's policy matcher decides: the namespaceSelector (cluster-scoped objects always
 * match; a Namespace by its own labels), the objectSelector (new or old object), the
 * excludeResourceRules, then the resourceRules (none: anything; with resourceNames, the
 * request's name must be one), with matchPolicy Equivalent also through the other versions the
 * same objects are served at. A selector's error is raised only when the rules match.
 */
import type { MatchResources, NamedRuleWithOperations } from "kubernetes-types/admissionregistration/v1.js"
import { type LabelMatcher, type ResourceInfo, selectorMatcher } from "../../api/index.ts"
import {
  type Attributes,
  type GroupVersionKind,
  type GroupVersionResource,
  kindOf,
  type MatchEnv,
  namespaceLabelsFor,
  type RuleWithOperations,
  ruleMatches,
  selects,
} from "../webhook/match.ts"

/** A MatchResources with its selectors compiled (undefined: empty, matching everything). */
export interface CompiledMatch {
  readonly resources: MatchResources
  readonly namespaceSelector: LabelMatcher | undefined
  readonly objectSelector: LabelMatcher | undefined
}

/** The resource and kind a request was matched as (its own, or an equivalent's). */
export interface Matched {
  readonly resource: GroupVersionResource
  readonly kind: GroupVersionKind
  readonly info: ResourceInfo
}

type Selector = MatchResources["namespaceSelector"]

function isEmpty(sel: NonNullable<Selector>): boolean {
  return Object.keys(sel.matchLabels ?? {}).length === 0 && !sel.matchExpressions?.length
}

/**
 * Compiles `mr`. @throws Error with upstream's words when a selector is missing (defaulting
 * always sets them)
 */
export function compileMatch(mr: MatchResources): CompiledMatch {
  for (const [sel, name] of [
    [mr.namespaceSelector, "namespace"],
    [mr.objectSelector, "object"],
  ] as const) {
    if (!sel)
      throw new Error(`a nil ${name} selector was passed, please ensure selectors are initialized properly`)
  }
  const ns = mr.namespaceSelector as NonNullable<Selector>
  const obj = mr.objectSelector as NonNullable<Selector>
  return {
    resources: mr,
    namespaceSelector: isEmpty(ns) ? undefined : selectorMatcher(ns),
    objectSelector: isEmpty(obj) ? undefined : selectorMatcher(obj),
  }
}

/** The first named rule taking the request as made to `resource`. */
function namedRuleMatches(
  rule: NamedRuleWithOperations,
  a: Attributes,
  resource: GroupVersionResource,
): boolean {
  if (!ruleMatches(rule as RuleWithOperations, a, resource)) return false
  const names = rule.resourceNames ?? []
  return names.length === 0 || names.includes(a.name)
}

function ownMatch(a: Attributes): Matched {
  return { resource: a.resource, kind: a.kind, info: a.info }
}

/** Which of `rules` takes the request, and as what (upstream's matchesResourceRules). */
function matchRules(
  rules: readonly NamedRuleWithOperations[],
  matchPolicy: string | undefined,
  a: Attributes,
  env: MatchEnv,
): Matched | undefined {
  if (rules.some((r) => namedRuleMatches(r, a, a.resource))) return ownMatch(a)
  if (matchPolicy !== "Equivalent") return undefined
  const sub = a.subresource
  const equivalents = env.equivalents(a.info).filter((e) => e !== a.info)
  for (const rule of rules) {
    for (const e of equivalents) {
      if (sub && !e.subresources.some((s) => s.name === sub)) continue
      const resource = { group: e.group, version: e.version, resource: e.resource }
      if (namedRuleMatches(rule, a, resource)) return { resource, kind: kindOf(e, sub), info: e }
    }
  }
  return undefined
}

/** Whether the namespaceSelector takes the request; a namespace it cannot read is an error. */
async function namespaceMatches(
  m: CompiledMatch,
  a: Attributes,
  env: MatchEnv,
): Promise<{ matches: boolean; error?: unknown }> {
  if (a.namespace === "" && a.resource.resource !== "namespaces") return { matches: true }
  if (!m.namespaceSelector) return { matches: true }
  try {
    return { matches: m.namespaceSelector(await namespaceLabelsFor(a, env)) }
  } catch (error) {
    return { matches: false, error }
  }
}

/**
 * What `m` matches the request as, or undefined when it does not (upstream's Matcher.Matches).
 * @throws the namespace's lookup error (ApiError NotFound) when the rules match
 */
export async function matchRequest(
  m: CompiledMatch,
  a: Attributes,
  env: MatchEnv,
): Promise<Matched | undefined> {
  const ns = await namespaceMatches(m, a, env)
  if (!ns.matches && ns.error === undefined) return undefined
  if (m.objectSelector && !(selects(m.objectSelector, a.object) || selects(m.objectSelector, a.old)))
    return undefined
  const r = m.resources
  if (matchRules(r.excludeResourceRules ?? [], r.matchPolicy, a, env)) return undefined
  const rules = r.resourceRules ?? []
  const matched = rules.length === 0 ? ownMatch(a) : matchRules(rules, r.matchPolicy, a, env)
  if (!matched) return undefined
  if (ns.error !== undefined) throw ns.error
  return matched
}

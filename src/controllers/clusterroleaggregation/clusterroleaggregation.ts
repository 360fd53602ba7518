/**
 * The clusterrole-aggregation controller: a ClusterRole with an `aggregationRule` gets, as its
 * rules, every rule of the other ClusterRoles its selectors match (each rule once, roles taken
 * in name order per selector), written with server-side apply as upstream's controller does.
 * Any ClusterRole change re-checks every aggregating role, since any role may start or stop
 * matching a selector.
 */
import type { ClusterRole, PolicyRule } from "kubernetes-types/rbac/v1.js"
import { type ApiObject, ClusterRoles, selectorMatcher } from "../../api/index.ts"
import type { Cache, ControllerSpec } from "../../client/index.ts"

/** The field manager of the controller's writes (upstream's). */
export const FIELD_MANAGER = "clusterrole-aggregation-controller"

type Role = ClusterRole & ApiObject

/** The list fields of a rule, compared in order as upstream does. */
const RULE_LISTS = ["verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"] as const

/** Upstream's semantic equality of two rules: equal lists, an absent list equal to an empty one. */
function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  return RULE_LISTS.every((field) => {
    const x = a[field] ?? []
    const y = b[field] ?? []
    return x.length === y.length && x.every((v, i) => v === y[i])
  })
}

function sameRules(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return a.length === b.length && a.every((r, i) => sameRule(r, b[i] as PolicyRule))
}

/** The rules `role` aggregates from `all` (the role itself excluded), in upstream's order. */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const byName = [...all].sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1))
  const rules: PolicyRule[] = []
  for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const matches = selectorMatcher(selector)
    for (const other of byName) {
      if (other.metadata?.name === role.metadata?.name || !matches(other.metadata?.labels)) continue
      for (const rule of other.rules ?? []) if (!rules.some((r) => sameRule(r, rule))) rules.push(rule)
    }
  }
  return rules
}

/** The keys of every ClusterRole with an aggregationRule. */
function aggregating(cache: Cache<Role>): string[] {
  return cache
    .list()
    .filter((r) => r.aggregationRule)
    .map((r) => r.metadata?.name ?? "")
}

/** The controller (upstream's "clusterrole-aggregation"). */
export function clusterRoleAggregationController(): ControllerSpec {
  let roles: Cache<Role> | undefined
  return {
    name: "clusterrole-aggregation",
    for: ClusterRoles,
    watches: [{ ref: ClusterRoles, map: () => (roles ? aggregating(roles) : []) }],
    create: ({ client, informers }) => {
      const cache = informers.get(ClusterRoles).cache
      roles = cache
      return {
        async reconcile(key) {
          const role = cache.get(key)
          if (!role?.aggregationRule) return
          const rules = aggregatedRules(role, cache.list())
          if (sameRules(rules, role.rules ?? [])) return
          await client.resource(ClusterRoles).patch(
            { name: key },
            {
              apiVersion: "rbac.authorization.k8s.io/v1",
              kind: "ClusterRole",
              metadata: { name: key },
              rules,
            },
            { type: "apply", force: true, fieldManager: FIELD_MANAGER },
          )
        },
      }
    },
  }
}

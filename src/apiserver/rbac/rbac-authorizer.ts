/**
 * The RBAC authorizer (upstream's plugin/pkg/auth/authorizer/rbac): allows a request some rule of
 * the user's bindings allows, naming the binding that did; otherwise has no opinion, giving as
 * its reason the roles it could not resolve. Its rule resolver lists those rules for
 * SelfSubjectRulesReview.
 */
import { aggregateMessage } from "../../util/index.ts"
import type {
  AuthorizationDecision,
  Authorizer,
  NonResourceRule,
  ResourceRule,
  RuleResolver,
} from "../authz.ts"
import type { PolicyIndex, RuleSource } from "./policy-index.ts"
import { ruleAllows } from "./rule-match.ts"

/** The RBAC authorizer and rule resolver over `index`. */
export function rbacAuthorizer(index: PolicyIndex): { authorize: Authorizer; rulesFor: RuleResolver } {
  const authorize: Authorizer = (a): AuthorizationDecision => {
    let allowedBy: RuleSource | undefined
    let errors: string[] | undefined
    index.visitRulesFor(a.user, a.namespace ?? "", (source, rule, err) => {
      if (rule && ruleAllows(a, rule)) {
        allowedBy = source
        return false
      }
      if (err) (errors ??= []).push(err)
      return true
    })
    if (allowedBy) return { decision: "Allow", reason: `RBAC: allowed by ${allowedBy()}` }
    return { decision: "NoOpinion", reason: errors ? `RBAC: ${aggregateMessage(errors)}` : "" }
  }
  const rulesFor: RuleResolver = (user, namespace) => {
    const { rules, errors } = index.rulesFor(user, namespace)
    const resourceRules: ResourceRule[] = []
    const nonResourceRules: NonResourceRule[] = []
    for (const r of rules) {
      if (r.resources?.length) {
        resourceRules.push({
          verbs: r.verbs ?? [],
          ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}),
          resources: r.resources,
          ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
        })
      }
      if (r.nonResourceURLs?.length)
        nonResourceRules.push({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs })
    }
    return {
      resourceRules,
      nonResourceRules,
      incomplete: false,
      ...(errors.length ? { evaluationError: aggregateMessage(errors) } : {}),
    }
  }
  return { authorize, rulesFor }
}

/**
 * RBAC: rule matching, the watch cache's index of bindings by subject, the RBAC authorizer and
 * the escalation check of role and binding writes.
 */
export { rbacEscalationGuard } from "./escalation.ts"
export { PolicyIndex, type RbacCaches } from "./policy-index.ts"
export { rbacAuthorizer } from "./rbac-authorizer.ts"
export { ruleAllows, rulesAllow } from "./rule-match.ts"

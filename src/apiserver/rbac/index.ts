/** RBAC: rule matching, the watch cache's index of bindings by subject, and the RBAC authorizer. */
export { PolicyIndex, type RbacCaches } from "./policy-index.ts"
export { rbacAuthorizer } from "./rbac-authorizer.ts"
export { ruleAllows, rulesAllow } from "./rule-match.ts"

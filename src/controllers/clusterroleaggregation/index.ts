/** The clusterrole-aggregation controller: rules of aggregated ClusterRoles from the roles they select. */
export { aggregatedRules, clusterRoleAggregationController, FIELD_MANAGER } from "./clusterroleaggregation.ts"

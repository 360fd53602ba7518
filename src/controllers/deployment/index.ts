/**
 * The Deployment controller: rolls pod templates out through ReplicaSets it owns. Watches
 * Deployments, ReplicaSets and Pods; writes ReplicaSets, Deployment status and Events.
 */
export { newDeploymentController } from "./deployment.ts"
export { computeHash, POD_TEMPLATE_HASH_LABEL } from "./hash.ts"
export { REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from "./revision.ts"

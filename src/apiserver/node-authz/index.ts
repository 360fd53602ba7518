/**
 * Node authorization (upstream's --authorization-mode=Node and the NodeRestriction admission
 * plugin): kubelets may read what their pods reference and write their own Node, Lease and pods'
 * status, no more. Reads the watch cache's pods, claims, volumes, attachments, slices, CSI
 * drivers and nodes, and NodeRestriction asks the server's authorizer whether a node may request
 * a token for an audience its pod does not use; writes nothing.
 */
export { NodeGraph, type NodeGraphCaches } from "./node-graph.ts"
export { nodeAuthorizer } from "./node-authorizer.ts"
export { NODES_GROUP, nodeIdentity } from "./node-identity.ts"
export { NODE_RULES } from "./node-rules.ts"
export { nodeRestriction, type NodeRestrictionLookups } from "./node-restriction.ts"

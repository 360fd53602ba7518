/** Node lifecycle: node health from leases and heartbeats, taints, and NoExecute eviction. */
export { nodeLifecycleController, NODE_LEASE_NAMESPACE } from "./nodelifecycle.ts"
export { taintEvictionController } from "./taint-eviction.ts"
export { NODE_MONITOR_GRACE_MS, NODE_STARTUP_GRACE_MS } from "./health.ts"

/**
 * The node agent: makes the pods bound to its node match their spec through a container
 * runtime (the process runtime by default, or hollow nodes that only simulate), and serves the
 * node API (container logs) to the API server. Imports api, client, network and util.
 */
export { HollowNodes, type HollowNodesOptions } from "./hollow/hollow-nodes.ts"
export { HollowStatsServer, type HollowStatsServerOptions } from "./hollow/stats-server.ts"
export { DEFAULT_CAPACITY, type HollowCapacity, type HollowNodeSpec } from "./hollow/node-object.ts"
export { runningStatus } from "./hollow/pod-status.ts"
export { DeferredPodNetwork, waitForPodCIDR } from "./deferred-network.ts"
export { Kubelet, type KubeletOptions } from "./kubelet.ts"
export {
  DEFAULT_CONTAINER_LOG_MAX_FILES,
  DEFAULT_CONTAINER_LOG_MAX_SIZE,
  validateLogPolicy,
} from "./logs/container-log-manager.ts"
export { type KubeletMetrics } from "./metrics/kubelet-metrics.ts"
export { ProcessRuntime, type ProcessRuntimeOptions } from "./runtime/process/process-runtime.ts"
export { SANDBOX_TRACE, type SandboxStage } from "./runtime/process/sandbox/trace.ts"
export type { ContainerConfig, ContainerRuntime, ContainerInfo, Sandbox } from "./runtime/runtime.ts"
export { KubeletServer, type KubeletServerOptions } from "./server.ts"
export { StatsProvider, type StatsPod, type UsageSource } from "./stats/stats-provider.ts"
export type * from "./stats/summary-types.ts"
export {
  CPU_USAGE_ANNOTATION,
  hollowSummary,
  type HollowUsage,
  MEMORY_USAGE_ANNOTATION,
} from "./hollow/usage.ts"

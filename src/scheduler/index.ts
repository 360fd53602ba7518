/**
 * The scheduler: watches pods without a node, runs the framework's plugins (filter, score,
 * select) over a cache of nodes and assumed pods, binds through pods/binding, and records why a
 * pod cannot be placed (PodScheduled=False, FailedScheduling events), preempting lower-priority
 * pods when that helps. Imports only api, client and util.
 */
export {
  DEFAULT_PLUGINS,
  DEFAULT_SCHEDULER_NAME,
  loadSchedulerConfig,
  resolveProfiles,
  type KubeSchedulerConfiguration,
  type KubeSchedulerProfile,
  type ResolvedProfile,
} from "./config.ts"
export { SchedulerCache } from "./cache.ts"
export { CycleState } from "./framework/cycle-state.ts"
export { NodeInfo } from "./framework/node-info.ts"
export { newPodInfo, type PodInfo } from "./framework/pod-info.ts"
export { Framework, type Registry } from "./framework/runner.ts"
export type { Code, Status } from "./framework/status.ts"
export type * from "./framework/types.ts"
export { inTreePlugins } from "./plugins/registry.ts"
export { FitError, GenericScheduler, numFeasibleNodesToFind } from "./schedule-one.ts"
export {
  PodDisruptionBudgets,
  PriorityClasses,
  Scheduler,
  type SchedulerOptions,
  type SchedulerStats,
} from "./scheduler.ts"
export { SchedulingQueue, type QueueStats } from "./queue.ts"

/**
 * The only way components reach the cluster: the Client (over HTTP or in process), informers
 * with indexed caches, the rate-limited work queue, controllers and their manager, and
 * Lease-based leader election. Reads through watches, writes through the API; never touches
 * storage or another component. Imports only api and util.
 */
export type {
  CallOptions,
  Client,
  DeleteOptions,
  LabelSelector,
  ListOptions,
  Method,
  PatchOptions,
  PatchType,
  QueryValue,
  RequestOptions,
  ResourceClient,
  SelectorOptions,
  WatchOptions,
  WriteOptions,
} from "./client.ts"
export { HttpClient, type HttpClientOptions } from "./http-client.ts"
export {
  InProcessClient,
  LOOPBACK_USER,
  type InProcessClientOptions,
  type InProcessHandler,
  type InProcessRequest,
  type InProcessResponse,
  type InProcessUser,
} from "./in-process-client.ts"
export { PortClient, portTransport, type PortClientOptions } from "./port-transport.ts"
export { servePort, type ServePortOptions } from "./port-server.ts"
export { BY_NAMESPACE, BY_NODE_NAME, BY_OWNER, IndexedCache, type Cache, type IndexFunc } from "./cache.ts"
export { MutationCache } from "./mutation-cache.ts"
export {
  ListWatchInformer,
  isExpired,
  stripManagedFields,
  type EventHandler,
  type Informer,
  type InformerOptions,
  type ListerWatcher,
  type TransformFunc,
} from "./informer.ts"
export { SharedInformers, type Informers, type SharedInformersOptions } from "./shared-informers.ts"
export {
  ExponentialBackoff,
  RateLimitingQueue,
  type RateLimitingQueueOptions,
  type WorkQueue,
  type WorkQueueStats,
} from "./workqueue.ts"
export {
  Controller,
  QuietRetryError,
  TerminalError,
  ownerKeyOf,
  runController,
  type ControllerDeps,
  type ControllerSpec,
  type ControllerStats,
  type KeyQueue,
  type Reconciler,
  type Result,
  type WatchEvent,
  type WatchSpec,
} from "./controller.ts"
export {
  ControllerManager,
  isControllerEnabled,
  type ControllerHealth,
  type ControllerManagerOptions,
  type ControllerState,
} from "./manager.ts"
export { ClientEventRecorder, type EventRecorder, type EventRecorderOptions } from "./events.ts"
export { EVENT_BURST, EVENT_QPS } from "./event-write-pool.ts"
export {
  EventsV1Broadcaster,
  FINISH_MS,
  REFRESH_MS,
  referenceTo,
  type EventDetails,
  type EventsV1BroadcasterOptions,
  type EventsV1Recorder,
} from "./event-broadcaster.ts"
export { WrittenObjects } from "./read-your-writes.ts"
export { LeaderElector, type LeaderElectionOptions } from "./leader-election.ts"
export { registerControllerMetrics, type HealthSource } from "./metrics.ts"
export { countRestClientRequests, type RestClientMetricsOptions } from "./rest-client-metrics.ts"

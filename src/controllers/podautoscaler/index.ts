/** The HorizontalPodAutoscaler controller and its parts (replica calculation, behavior, metrics source). */
export {
  DEFAULT_HPA_SYNC_PERIOD_MS,
  horizontalPodAutoscalerController,
  type HpaControllerOptions,
} from "./horizontal.ts"
export {
  type MetricsClient,
  type PodMetric,
  type PodMetricsInfo,
  resourceMetricsClient,
} from "./metrics-client.ts"

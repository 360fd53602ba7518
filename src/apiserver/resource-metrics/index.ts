/** The API server's metrics.k8s.io: a scraper of the kubelets and the handler serving its points. */
export { serveResourceMetrics } from "./handler.ts"
export { type KubeletSummary, MetricsPoints } from "./points.ts"
export {
  DEFAULT_METRIC_RESOLUTION_MS,
  kubeletSummaryFetcher,
  MetricsScraper,
  type SummaryFetcher,
} from "./scraper.ts"

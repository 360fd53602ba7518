/**
 * The schema of metrics.k8s.io/v1beta1 (metrics-server's types, in k8s.io/metrics rather than
 * k8s.io/api, so not in builtin.json), under upstream's definition names and field numbers.
 */

/** The part of index.ts's TypeSchema these types use (no import: index.ts imports this file). */
interface TypeSchema {
  readonly f: Readonly<
    Record<string, { readonly n: number; readonly t: string; readonly rep?: true; readonly map?: string }>
  >
}

/** The definition name prefix of metrics.k8s.io/v1beta1 types. */
export const METRICS_PREFIX = "io.k8s.metrics.pkg.apis.metrics.v1beta1"

const META = "io.k8s.apimachinery.pkg.apis.meta.v1"
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

/** NodeMetrics, PodMetrics, ContainerMetrics and the lists. */
export const METRICS_TYPES: Readonly<Record<string, TypeSchema>> = {
  [`${METRICS_PREFIX}.NodeMetrics`]: {
    f: {
      metadata: { n: 1, t: `${META}.ObjectMeta` },
      timestamp: { n: 2, t: `${META}.Time` },
      window: { n: 3, t: `${META}.Duration` },
      usage: { n: 4, t: QUANTITY, map: "string" },
    },
  },
  [`${METRICS_PREFIX}.NodeMetricsList`]: {
    f: {
      metadata: { n: 1, t: `${META}.ListMeta` },
      items: { n: 2, t: `${METRICS_PREFIX}.NodeMetrics`, rep: true },
    },
  },
  [`${METRICS_PREFIX}.PodMetrics`]: {
    f: {
      metadata: { n: 1, t: `${META}.ObjectMeta` },
      timestamp: { n: 2, t: `${META}.Time` },
      window: { n: 3, t: `${META}.Duration` },
      containers: { n: 4, t: `${METRICS_PREFIX}.ContainerMetrics`, rep: true },
    },
  },
  [`${METRICS_PREFIX}.PodMetricsList`]: {
    f: {
      metadata: { n: 1, t: `${META}.ListMeta` },
      items: { n: 2, t: `${METRICS_PREFIX}.PodMetrics`, rep: true },
    },
  },
  [`${METRICS_PREFIX}.ContainerMetrics`]: {
    f: {
      name: { n: 1, t: "string" },
      usage: { n: 2, t: QUANTITY, map: "string" },
    },
  },
}

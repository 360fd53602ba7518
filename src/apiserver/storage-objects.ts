/**
 * apiserver_resource_objects: the objects stored per resource, one series for each resource with
 * storage (built-in or custom; a resource served in two groups, as Events, counts once, under the
 * group it is stored in), labelled with its group and resource. apiserver_storage_objects, which
 * it replaces, is hidden in 1.35 (deprecated in 1.34.0). Upstream's
 * registry polls the store's count once a minute; the count here is the watch cache's at the
 * scrape.
 */
import { Gauge, type Registry } from "prom-client"
import type { ResourceInfo } from "../api/index.ts"
import { kubeHelp } from "../util/index.ts"
import type { Served } from "./registry/context.ts"

/** What the gauge reads when scraped. */
export interface StoredObjectsSource {
  /** The served resources (every version of each). */
  resources(): readonly ResourceInfo[]
  /** The storage view of a served resource. */
  served(info: ResourceInfo): Served
  /** The objects stored under a storage prefix. */
  count(prefix: string): number
}

/** Each stored resource once: its group, resource and object count. */
function* counts(source: StoredObjectsSource): Iterable<{ group: string; resource: string; n: number }> {
  const seen = new Set<string>()
  for (const info of source.resources()) {
    // Only stored resources are watchable (reviews, bindings and metrics are not stored).
    if (!info.verbs.includes("watch")) continue
    const s = source.served(info)
    if (seen.has(s.prefix)) continue
    seen.add(s.prefix)
    yield { group: s.storageGroup, resource: info.resource, n: source.count(s.prefix) }
  }
}

/**
 * Registers apiserver_resource_objects in `registry`, read from `source`. Upstream's
 * apiserver_storage_objects (STABLE, deprecated in 1.34.0) is hidden in a 1.35 server, as
 * component-base hides a metric deprecated before the binary's minor version (unless
 * --show-hidden-metrics-for-version=1.34, which k8ts does not have), so it is not registered.
 */
export function registerStorageObjects(registry: Registry, source: StoredObjectsSource): void {
  new Gauge({
    name: "apiserver_resource_objects",
    help: kubeHelp(
      "ALPHA",
      "Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.",
    ),
    labelNames: ["group", "resource"],
    registers: [registry],
    collect() {
      this.reset()
      for (const { group, resource, n } of counts(source)) this.set({ group, resource }, n)
    },
  })
}

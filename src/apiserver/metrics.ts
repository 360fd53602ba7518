/**
 * The API server's Prometheus metrics, declared as upstream declares them (names, HELP texts with
 * their stability level, labels, buckets) so existing dashboards read them: requests by
 * verb/resource/code, their latency, long-running (watch) requests, and the store's latency per
 * operation. Each server registers its metrics in the registry it is given, so several servers
 * can live in one process (tests) without clashing.
 */
import { Gauge, type Registry } from "prom-client"
import type { Store } from "../storage/index.ts"
import type { ApiResponse } from "./http.ts"
import { SeriesCounter, SeriesHistogram } from "./metric-series.ts"
import type { RequestInfo } from "./request-info.ts"
import { type Batched, kubeHelp } from "../util/index.ts"

/** The labels of the request latency (and, with `code`, of the request count). */
type LatencyLabel =
  "verb" | "dry_run" | "group" | "version" | "resource" | "subresource" | "scope" | "component"

const MAX_SERIES = 2_000
/** The buckets of upstream's request and etcd request latencies (seconds). */
const LATENCY_BUCKETS = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
]
const OTHER: RequestInfo = {
  isResource: true,
  path: "",
  group: "other",
  version: "other",
  namespace: "",
  namespacePrefixed: false,
  resource: "other",
  name: "",
  subresource: "",
  rest: "",
  verb: "other",
}

/** The metrics one API server records. */
export interface ApiMetrics {
  /** Records a finished request (or the start of a long-running one) and returns the response. */
  observe(
    ri: RequestInfo,
    query: URLSearchParams,
    contentType: string | undefined,
    res: ApiResponse,
    /** performance.now() when the request started. */
    startedMs: number,
  ): ApiResponse
  /** Wraps a store so each call's latency is recorded. */
  instrumentStore(store: Store): Store
}

/** upstream's canonical verb: LIST and WATCH for collection GETs, APPLY for apply patches. */
function canonicalVerb(ri: RequestInfo, contentType: string | undefined): string {
  switch (ri.verb) {
    case "list":
      return "LIST"
    case "watch":
      return "WATCH"
    case "get":
      return "GET"
    case "create":
      return "POST"
    case "update":
      return "PUT"
    case "patch":
      return contentType?.startsWith("application/apply-patch") ? "APPLY" : "PATCH"
    case "delete":
    case "deletecollection":
      return "DELETE"
    default:
      return ri.verb.toUpperCase()
  }
}

function scopeOf(ri: RequestInfo): string {
  if (ri.namespace) return ri.name ? "resource" : "namespace"
  return ri.name ? "resource" : "cluster"
}

/** Creates the API server's metrics in `registry`. */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const registers = [registry]
  // Series made once per label set (metric-series.ts): these two are recorded on every request.
  const requests = new SeriesCounter(
    "apiserver_request_total",
    kubeHelp(
      "STABLE",
      "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
    ),
    registers,
  )
  const latency = new SeriesHistogram(
    "apiserver_request_duration_seconds",
    kubeHelp(
      "STABLE",
      "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
    ),
    LATENCY_BUCKETS,
    registers,
  )
  const longRunning = new Gauge({
    name: "apiserver_longrunning_requests",
    help: kubeHelp(
      "STABLE",
      "Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.",
    ),
    labelNames: ["verb", "group", "version", "resource", "subresource", "scope", "component"],
    registers,
  })
  // k8s.io/apiserver's etcd3 metrics, timed around each call of the store (any backend).
  const storeLatency = new SeriesHistogram(
    "etcd_request_duration_seconds",
    kubeHelp("ALPHA", "Etcd request latency in seconds for each operation and object type."),
    LATENCY_BUCKETS,
    registers,
  )

  // Series by label values, found by one string key (prom-client's children hash their labels on every call).
  type Children = {
    readonly count: Map<number, { inc(): void }>
    readonly latency: { observe(v: number): void }
    readonly longRunning: { inc(): void; dec(): void }
    readonly labels: Record<LatencyLabel, string>
  }
  const children = new Map<string, Children>()
  const childrenOf = (info: RequestInfo, verb: string, dryRun: string): Children => {
    // Paths are client input: past a bound, new label sets collapse into one (no unbounded series).
    const ri = children.size < MAX_SERIES ? info : OTHER
    const scope = scopeOf(ri)
    const id = `${verb}\0${dryRun}\0${ri.group}\0${ri.version}\0${ri.resource}\0${ri.subresource}\0${scope}`
    let c = children.get(id)
    if (!c) {
      const base = {
        verb,
        group: ri.group,
        version: ri.version,
        resource: ri.resource,
        subresource: ri.subresource,
        scope,
        component: "apiserver",
      }
      const labels = { ...base, dry_run: dryRun }
      c = { count: new Map(), latency: latency.series(labels), longRunning: longRunning.labels(base), labels }
      children.set(id, c)
    }
    return c
  }

  return {
    observe(ri, query, contentType, res, startedMs) {
      const c = childrenOf(ri, canonicalVerb(ri, contentType), query.getAll("dryRun").join(","))
      let counter = c.count.get(res.status)
      if (!counter) {
        counter = requests.series({ ...c.labels, code: String(res.status) })
        c.count.set(res.status, counter)
      }
      counter.inc()
      if (res.objects) {
        c.longRunning.inc()
        return { ...res, objects: countWhileOpen(res.objects, () => c.longRunning.dec()) }
      }
      if (!res.stream) {
        c.latency.observe((performance.now() - startedMs) / 1000)
        return res
      }
      c.longRunning.inc()
      return { ...res, stream: countWhileOpen(res.stream, () => c.longRunning.dec()) }
    },
    instrumentStore: (store) => instrumentStore(store, storeLatency),
  }
}

/**
 * `stream`, calling `done` once when it ends, fails or is returned early (its iterator's `takeAll`
 * kept). A plain iterator rather than a generator: it sits under every event of every watch.
 */
function countWhileOpen<T>(stream: AsyncIterable<T>, done: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => {
      const it: Batched<T> = stream[Symbol.asyncIterator]()
      let open = true
      const close = () => {
        if (!open) return
        open = false
        done()
      }
      return {
        next: () =>
          it.next().then(
            (r) => {
              if (r.done) close()
              return r
            },
            (err: unknown) => {
              close()
              throw err
            },
          ),
        return: async () => {
          close()
          return (await it.return?.()) ?? { done: true, value: undefined }
        },
        // A watch's queued lines pass through at once, as toNode takes them.
        ...(it.takeAll ? { takeAll: it.takeAll.bind(it) } : {}),
      }
    },
  }
}

/** The `/`-separated segment of `key` starting at `from`. */
function segment(key: string, from: number): string {
  const end = key.indexOf("/", from)
  return end < 0 ? key.slice(from) : key.slice(from, end)
}

/** The built-in API groups without a dot in their name (every other group has one; no core resource does). */
const DOTLESS_GROUPS = new Set(["apps", "autoscaling", "batch", "extensions", "policy"])

/**
 * The group and resource of a registry key, `/registry/<resource>/...` for core resources and
 * `/registry/<group>/<resource>/...` for the others.
 */
function groupResourceOf(key: string): { group: string; resource: string } {
  const s1 = key.indexOf("/", key.indexOf("/") + 1)
  if (s1 < 0) return { group: "", resource: "" }
  const a = segment(key, s1 + 1)
  if (!a.includes(".") && !DOTLESS_GROUPS.has(a)) return { group: "", resource: a }
  return { group: a, resource: segment(key, s1 + 2 + a.length) }
}

function instrumentStore(store: Store, hist: SeriesHistogram): Store {
  type Child = { observe(v: number): void }
  // Series by operation, group, then resource (no label string built per call).
  const children = new Map<string, Map<string, Map<string, Child>>>()
  const childOf = (operation: string, key: string): Child => {
    let byGroup = children.get(operation)
    if (!byGroup) children.set(operation, (byGroup = new Map()))
    const { group, resource } = groupResourceOf(key)
    let byResource = byGroup.get(group)
    if (!byResource) byGroup.set(group, (byResource = new Map()))
    let c = byResource.get(resource)
    if (!c) byResource.set(resource, (c = hist.series({ operation, group, resource })))
    return c
  }
  // The store's own promise goes back to the caller (no extra turns per call); the latency is
  // recorded beside it when it settles.
  const timed =
    <A extends unknown[], R>(operation: string, fn: (key: string, ...rest: A) => Promise<R>) =>
    (key: string, ...rest: A): Promise<R> => {
      const started = performance.now()
      const c = childOf(operation, key)
      let p: Promise<R>
      try {
        p = fn(key, ...rest)
      } catch (err) {
        p = Promise.reject(err)
      }
      p.then(
        () => c.observe((performance.now() - started) / 1000),
        () => c.observe((performance.now() - started) / 1000),
      )
      return p
    }
  return {
    get: timed("get", (k) => store.get(k)),
    // Upstream's getList records a recursive read as "list".
    list: timed("list", (k, o?: Parameters<Store["list"]>[1]) => store.list(k, o)),
    create: timed("create", (k, v: string) => store.create(k, v)),
    update: timed("update", (k, v: string, rev: number) => store.update(k, v, rev)),
    delete: timed("delete", (k, rev?: number) => store.delete(k, rev)),
    watch: (prefix, from, signal) => store.watch(prefix, from, signal),
    compact: (revision) => store.compact(revision),
    revision: () => store.revision(),
    compactedRevision: () => store.compactedRevision(),
    close: () => store.close(),
  }
}

/**
 * The `kubernetes` Service in `default` and its Endpoints and EndpointSlice, pointing at this API
 * server (upstream's "kubernetes service" bootstrap controller). Reconciled at start and every
 * 10 seconds, so a deleted or edited object comes back.
 */
import { isDeepStrictEqual } from "node:util"
import {
  ApiError,
  type ApiObject,
  findResource,
  type ResourceInfo,
  SERVICE_NAME_LABEL,
  SKIP_MIRROR_LABEL,
} from "../api/index.ts"
import type { Clock, Logger } from "../util/index.ts"
import type { Served } from "./registry/context.ts"
import type { Registry } from "./registry/registry.ts"

/** Where the API is reached. */
export interface KubernetesServiceOptions {
  /** The Service's ClusterIP: the first address of the service CIDR. */
  readonly clusterIP: string
  /** The address the endpoints name (the API server's own). */
  readonly endpointIP: string
  /** The port the API server listens on. */
  readonly endpointPort: number
}

const NAME = "kubernetes"
const NAMESPACE = "default"
const INTERVAL_MS = 10_000

type Desired = { spec?: Record<string, unknown>; subsets?: unknown; endpoints?: unknown; ports?: unknown }

function served(
  group: string,
  version: string,
  resource: string,
  serve: (i: ResourceInfo) => Served,
): Served {
  const info = findResource(group, version, resource)
  if (!info) throw new Error(`${resource} is not a served resource`)
  return serve(info)
}

/** The objects as upstream's controller writes them. */
function desiredObjects(o: KubernetesServiceOptions) {
  const labels = { component: "apiserver", provider: "kubernetes" }
  const service = {
    metadata: { name: NAME, namespace: NAMESPACE, labels },
    spec: {
      type: "ClusterIP",
      clusterIP: o.clusterIP,
      clusterIPs: [o.clusterIP],
      ports: [{ name: "https", protocol: "TCP", port: 443, targetPort: o.endpointPort }],
      sessionAffinity: "None",
    },
  }
  const endpoints = {
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      labels: { [SKIP_MIRROR_LABEL]: "true" },
    },
    subsets: [
      {
        addresses: [{ ip: o.endpointIP }],
        ports: [{ name: "https", port: o.endpointPort, protocol: "TCP" }],
      },
    ],
  }
  const slice = {
    metadata: { name: NAME, namespace: NAMESPACE, labels: { [SERVICE_NAME_LABEL]: NAME } },
    addressType: "IPv4",
    endpoints: [{ addresses: [o.endpointIP], conditions: { ready: true } }],
    ports: [{ name: "https", port: o.endpointPort, protocol: "TCP" }],
  }
  return { service, endpoints, slice }
}

/** Creates the object, or rewrites the fields we own when they drifted. */
async function ensure(
  registry: Registry,
  s: Served,
  desired: ApiObject & Desired,
  fields: (keyof Desired)[],
) {
  await registry.update(
    s,
    { namespace: NAMESPACE, name: NAME },
    (cur) => {
      if (!cur) return desired
      const next = cur as ApiObject & Desired
      for (const f of fields) {
        if (f === "spec") next.spec = { ...next.spec, ...desired.spec }
        else next[f] = desired[f]
      }
      next.metadata = { ...next.metadata, labels: { ...next.metadata?.labels, ...desired.metadata?.labels } }
      return next
    },
    { createIfMissing: true },
  )
}

/** True when `cur` already has every field of `want` (so no write is needed). */
function covers(cur: unknown, want: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(cur) && cur.length === want.length && want.every((w, i) => covers(cur[i], w))
  }
  if (want === null || typeof want !== "object") return isDeepStrictEqual(cur, want)
  if (cur === null || typeof cur !== "object") return false
  return Object.entries(want).every(([k, v]) => covers((cur as Record<string, unknown>)[k], v))
}

/** One pass: the Service, then the Endpoints and the EndpointSlice. */
export async function reconcileKubernetesService(
  registry: Registry,
  serve: (i: ResourceInfo) => Served,
  opts: KubernetesServiceOptions,
): Promise<void> {
  const want = desiredObjects(opts)
  const items: [Served, ApiObject & Desired, (keyof Desired)[]][] = [
    [served("", "v1", "services", serve), want.service, ["spec"]],
    [served("", "v1", "endpoints", serve), want.endpoints, ["subsets"]],
    [served("discovery.k8s.io", "v1", "endpointslices", serve), want.slice, ["endpoints", "ports"]],
  ]
  for (const [s, desired, fields] of items) {
    const cur = await registry.get(s, NAMESPACE, NAME).catch((err: unknown) => {
      if (err instanceof ApiError && err.reason === "NotFound") return undefined
      throw err
    })
    if (cur && covers(cur, desired)) continue
    await ensure(registry, s, desired, fields)
  }
}

/**
 * Reconciles once, then every 10 s until `signal` aborts. Resolves after the first pass (so a
 * server announces itself ready only once the Service exists) with the loop's completion;
 * `reconciled` is told after each pass that succeeded.
 */
export async function startKubernetesService(
  deps: {
    registry: Registry
    serve: (i: ResourceInfo) => Served
    clock: Clock
    log: Logger
    reconciled?: () => void
  },
  opts: KubernetesServiceOptions,
  signal: AbortSignal,
): Promise<{ done: Promise<void> }> {
  const pass = async () => {
    try {
      await reconcileKubernetesService(deps.registry, deps.serve, opts)
      deps.reconciled?.()
    } catch (err) {
      if (!signal.aborted) deps.log.warn({ err: String(err) }, "Cannot reconcile the kubernetes service")
    }
  }
  await pass()
  const loop = async () => {
    while (!signal.aborted) {
      await deps.clock.sleep(INTERVAL_MS, signal).catch(() => {})
      if (!signal.aborted) await pass()
    }
  }
  return { done: loop() }
}

/**
 * The `kube-dns` Service in kube-system (named and labelled as kubeadm creates it for CoreDNS), its
 * EndpointSlice and its Endpoints, pointing at this process's DNS server. The Service has no
 * selector, so both are ours: the slice managed-by cluster-dns.k8ts.io, the Endpoints as upstream's
 * endpoints controller writes them for CoreDNS's pods (the Service's labels, the ports packed as
 * it packs them) and marked skip-mirror, so the mirroring controller makes no second slice from
 * it. Reconciled at start and every 10 seconds.
 */
import type { Endpoints as EndpointsObject, Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { isDeepStrictEqual } from "node:util"
import {
  type ApiObject,
  Endpoints,
  EndpointSlices,
  isNotFound,
  type ResourceRef,
  SERVICE_NAME_LABEL,
  Services,
  SKIP_MIRROR_LABEL,
} from "../api/index.ts"
import type { Client } from "../client/index.ts"
import type { Clock, Logger } from "../util/index.ts"

/** Where the DNS Service points. */
export interface KubeDnsServiceOptions {
  /** The Service's ClusterIP: the service range's 10th address. */
  readonly clusterIP: string
  /** The address the DNS server listens on. */
  readonly endpointIP: string
  /** The port the DNS server listens on. */
  readonly endpointPort: number
  /** The port its metrics are served on, if they are. */
  readonly metricsPort?: number
}

const NAME = "kube-dns"
const NAMESPACE = "kube-system"
const INTERVAL_MS = 10_000
/** The managed-by label value of the slice (the endpointslice controller leaves it alone). */
export const KUBE_DNS_MANAGER = "cluster-dns.k8ts.io"

type Obj = ApiObject & { spec?: unknown; endpoints?: unknown; ports?: unknown; subsets?: unknown }

/** The Service, EndpointSlice and Endpoints as this server wants them. */
export function kubeDnsObjects(o: KubeDnsServiceOptions): {
  service: Service
  slice: EndpointSlice
  endpoints: EndpointsObject
} {
  const service: Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      labels: {
        "k8s-app": "kube-dns",
        "kubernetes.io/cluster-service": "true",
        "kubernetes.io/name": "CoreDNS",
      },
      annotations: { "prometheus.io/port": "9153", "prometheus.io/scrape": "true" },
    },
    spec: {
      type: "ClusterIP",
      clusterIP: o.clusterIP,
      clusterIPs: [o.clusterIP],
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: o.endpointPort },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: o.endpointPort },
        { name: "metrics", port: 9153, protocol: "TCP", targetPort: o.metricsPort ?? 9153 },
      ],
    },
  }
  const slice: EndpointSlice = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      labels: {
        [SERVICE_NAME_LABEL]: NAME,
        "endpointslice.kubernetes.io/managed-by": KUBE_DNS_MANAGER,
      },
    },
    addressType: "IPv4",
    endpoints: [{ addresses: [o.endpointIP], conditions: { ready: true } }],
    ports: [
      { name: "dns", port: o.endpointPort, protocol: "UDP" },
      { name: "dns-tcp", port: o.endpointPort, protocol: "TCP" },
      ...(o.metricsPort ? [{ name: "metrics", port: o.metricsPort, protocol: "TCP" }] : []),
    ],
  }
  const endpoints: EndpointsObject = {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      labels: { ...service.metadata?.labels, [SKIP_MIRROR_LABEL]: "true" },
    },
    subsets: [
      {
        addresses: [{ ip: o.endpointIP }],
        // In the order upstream's endpoints controller packs CoreDNS's ports (by their hash).
        ports: [
          { name: "dns-tcp", port: o.endpointPort, protocol: "TCP" },
          { name: "dns", port: o.endpointPort, protocol: "UDP" },
          ...(o.metricsPort ? [{ name: "metrics", port: o.metricsPort, protocol: "TCP" }] : []),
        ],
      },
    ],
  }
  return { service, slice, endpoints }
}

/** Creates `want`, or rewrites `fields` (and adds the labels) when they drifted. */
async function ensure(
  client: Client,
  ref: ResourceRef<Obj>,
  want: Obj,
  fields: (keyof Obj)[],
): Promise<void> {
  const rc = client.resource(ref)
  const cur = await rc.get({ namespace: NAMESPACE, name: NAME }).catch((err: unknown) => {
    if (isNotFound(err)) return undefined
    throw err
  })
  if (!cur) {
    await rc.create(want)
    return
  }
  const labels = { ...cur.metadata?.labels, ...want.metadata?.labels }
  const next: Obj = { ...cur, metadata: { ...cur.metadata, labels } }
  for (const f of fields) {
    // A Service keeps what the API server filled in (clusterIPs, ipFamilies...).
    next[f] = f === "spec" ? { ...(cur.spec as object), ...(want.spec as object) } : want[f]
  }
  if (!isDeepStrictEqual(next, cur)) await rc.update(next)
}

/**
 * One pass: the EndpointSlice and the Endpoints, then the Service (so the proxy never sees the
 * Service without endpoints and opens a listener on the address the DNS server holds).
 */
export async function reconcileKubeDnsService(client: Client, opts: KubeDnsServiceOptions): Promise<void> {
  const { service, slice, endpoints } = kubeDnsObjects(opts)
  await ensure(client, EndpointSlices as ResourceRef<Obj>, slice as unknown as Obj, ["endpoints", "ports"])
  await ensure(client, Endpoints as ResourceRef<Obj>, endpoints as unknown as Obj, ["subsets"])
  await ensure(client, Services as ResourceRef<Obj>, service as unknown as Obj, ["spec"])
}

/** Reconciles once, then every 10 s until `signal` aborts. */
export async function runKubeDnsService(
  deps: { readonly client: Client; readonly clock: Clock; readonly log: Logger },
  opts: KubeDnsServiceOptions,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await reconcileKubeDnsService(deps.client, opts)
    } catch (err) {
      if (!signal.aborted) deps.log.warn({ err: String(err) }, "Cannot reconcile the kube-dns service")
    }
    await deps.clock.sleep(INTERVAL_MS, signal).catch(() => {})
  }
}

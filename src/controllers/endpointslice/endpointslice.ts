/**
 * The EndpointSlice controller: for every Service with a selector, EndpointSlices listing the
 * pods it picks (at most 100 endpoints each, one set of ports per slice) with their ready,
 * serving and terminating conditions, labelled with the service name and owned by the Service.
 * Selectorless Services are left to whoever manages their slices.
 */
import type { Pod, Service } from "kubernetes-types/core/v1.js"
import type { Endpoint, EndpointSlice } from "kubernetes-types/discovery/v1.js"
import {
  type ApiObject,
  controllerRef,
  EndpointSlices,
  ignoreNotFound,
  parseKey,
  Pods,
  SERVICE_NAME_LABEL,
  Services,
} from "../../api/index.ts"
import type { Cache, ControllerSpec } from "../../client/index.ts"
import { type PodEndpoint, podEndpoints, portsKey, servicesOfPod } from "./service-pods.ts"

/** Upstream's default --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
export const MANAGED_BY = "endpointslice-controller.k8s.io"

type Slice = EndpointSlice & ApiObject
/** What the controller decides of a slice. */
export type SliceBody = Pick<EndpointSlice, "addressType" | "endpoints" | "ports">

function endpointOf(e: PodEndpoint): Endpoint {
  const pod = e.pod
  return {
    addresses: [e.ip],
    conditions: { ready: e.ready && !e.terminating, serving: e.serving, terminating: e.terminating },
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: {
      kind: "Pod",
      namespace: pod.metadata?.namespace ?? "",
      name: pod.metadata?.name ?? "",
      uid: pod.metadata?.uid ?? "",
    },
    ...(e.hostname ? { hostname: e.hostname } : {}),
  }
}

/** The slices `svc` should have: endpoints grouped by their ports, cut into chunks of `max`. */
export function desiredSlices(
  svc: Service,
  pods: readonly Pod[],
  max = MAX_ENDPOINTS_PER_SLICE,
): SliceBody[] {
  const groups = new Map<string, PodEndpoint[]>()
  for (const e of podEndpoints(svc, pods)) {
    const k = portsKey(e.ports)
    groups.set(k, [...(groups.get(k) ?? []), e])
  }
  const out: SliceBody[] = []
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += max) {
      out.push({
        addressType: "IPv4",
        endpoints: group.slice(i, i + max).map(endpointOf),
        ports: group[0]?.ports ?? [],
      })
    }
  }
  // A Service with no endpoints still has one (empty) slice carrying its ports, as upstream.
  if (!out.length) {
    out.push({
      addressType: "IPv4",
      endpoints: [],
      ports: (svc.spec?.ports ?? []).map((p) => ({
        name: p.name ?? "",
        port: typeof p.targetPort === "number" ? p.targetPort : p.port,
        protocol: p.protocol ?? "TCP",
      })),
    })
  }
  return out
}

/** The slices of `slices` that `manager` made for the Service `service`, by name. */
export function slicesManagedBy(slices: readonly Slice[], service: string, manager: string): Slice[] {
  return slices
    .filter(
      (s) =>
        s.metadata?.labels?.[SERVICE_NAME_LABEL] === service &&
        s.metadata?.labels?.[MANAGED_BY_LABEL] === manager,
    )
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))
}

function labelsFor(svc: Service): Record<string, string> {
  const headless: Record<string, string> =
    svc.spec?.clusterIP === "None" ? { "service.kubernetes.io/headless": "" } : {}
  return {
    ...svc.metadata?.labels,
    ...headless,
    [SERVICE_NAME_LABEL]: svc.metadata?.name ?? "",
    [MANAGED_BY_LABEL]: MANAGED_BY,
  }
}

function sameSlice(have: Slice, want: SliceBody, labels: Record<string, string>): boolean {
  return (
    JSON.stringify(have.endpoints ?? []) === JSON.stringify(want.endpoints) &&
    JSON.stringify(have.ports ?? []) === JSON.stringify(want.ports) &&
    JSON.stringify(have.metadata?.labels ?? {}) === JSON.stringify(labels)
  )
}

/** The EndpointSlice controller's spec. */
export function endpointSliceController(): ControllerSpec {
  let services: Cache<Service & ApiObject> | undefined
  return {
    name: "endpointslice",
    workers: 4,
    for: Services,
    owns: [EndpointSlices],
    watches: [
      { ref: Pods, map: (pod) => servicesOfPod(pod as Pod, services?.list(pod.metadata?.namespace) ?? []) },
    ],
    create({ client, informers }) {
      services = informers.get<Service & ApiObject>(Services).cache
      const pods = informers.get<Pod & ApiObject>(Pods).cache
      const slices = informers.get<Slice>(EndpointSlices).cache
      const api = client.resource<Slice>(EndpointSlices)
      return {
        async reconcile(key) {
          const svc = services?.get(key)
          const { namespace = "", name } = parseKey(key)
          const mine = slicesManagedBy(slices.list(namespace), name, MANAGED_BY)
          if (!svc || !svc.spec?.selector) {
            // Gone or selectorless: the slices we made go (the garbage collector would, later).
            for (const s of mine)
              await api.delete({ namespace, name: s.metadata?.name ?? "" }).catch(ignoreNotFound)
            return
          }
          const want = desiredSlices(svc, pods.list(namespace))
          const labels = labelsFor(svc)
          const owner = controllerRef(svc, Services)
          for (let i = 0; i < want.length; i++) {
            const w = want[i] as SliceBody
            const have = mine[i]
            if (have && sameSlice(have, w, labels)) continue
            if (have) {
              await api.update({
                ...structuredClone(have),
                ...w,
                metadata: { ...structuredClone(have.metadata), labels },
              } as Slice)
            } else {
              await api.create({
                ...w,
                metadata: { generateName: `${name}-`, namespace, labels, ownerReferences: [owner] },
              } as Slice)
            }
          }
          for (const extra of mine.slice(want.length)) {
            await api.delete({ namespace, name: extra.metadata?.name ?? "" }).catch(ignoreNotFound)
          }
        },
      }
    },
  }
}

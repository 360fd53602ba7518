/**
 * The Endpoints controller (the legacy mirror of EndpointSlices): for every Service with a
 * selector, an Endpoints object of the same name whose subsets group the selected pods by
 * their resolved ports, ready ones in `addresses` and the others in `notReadyAddresses`.
 * Terminating pods are left out, as upstream does.
 */
import type {
  EndpointAddress,
  Endpoints as EndpointsObject,
  EndpointSubset,
  Pod,
  Service,
} from "kubernetes-types/core/v1.js"
import {
  type ApiObject,
  Endpoints,
  isAlreadyExists,
  ignoreNotFound,
  keyOf,
  parseKey,
  Pods,
  Services,
} from "../../api/index.ts"
import type { Cache, ControllerSpec } from "../../client/index.ts"
import { type PodEndpoint, podEndpoints, portsKey, servicesOfPod } from "../endpointslice/service-pods.ts"

type Eps = EndpointsObject & ApiObject

/** Upstream's cap on addresses in one Endpoints object. */
const MAX_ADDRESSES = 1000

function addressOf(e: PodEndpoint): EndpointAddress {
  const pod = e.pod
  return {
    ip: e.ip,
    ...(e.hostname ? { hostname: e.hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: {
      kind: "Pod",
      namespace: pod.metadata?.namespace ?? "",
      name: pod.metadata?.name ?? "",
      uid: pod.metadata?.uid ?? "",
    },
  }
}

/** The subsets of `svc` among `pods`: one per distinct port set, addresses sorted by IP. */
export function desiredSubsets(
  svc: Service,
  pods: readonly Pod[],
): { subsets: EndpointSubset[]; truncated: boolean } {
  const groups = new Map<
    string,
    { ports: PodEndpoint["ports"]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >()
  let count = 0
  let truncated = false
  for (const e of podEndpoints(svc, pods)) {
    if (e.terminating || !e.ports.length) continue
    if (count >= MAX_ADDRESSES) {
      truncated = true
      break
    }
    count++
    const k = portsKey(e.ports)
    const g = groups.get(k) ?? { ports: e.ports, ready: [], notReady: [] }
    groups.set(k, g)
    ;(e.ready ? g.ready : g.notReady).push(addressOf(e))
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) =>
    a.ip.localeCompare(b.ip, undefined, { numeric: true })
  const subsets = [...groups.values()].map((g) => ({
    ...(g.ready.length ? { addresses: g.ready.sort(byIp) } : {}),
    ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
    ports: g.ports.map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port as number,
      protocol: p.protocol ?? "TCP",
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    })),
  }))
  return { subsets, truncated }
}

function labelsFor(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata?.labels }
  if (svc.spec?.clusterIP === "None") labels["service.kubernetes.io/headless"] = ""
  return labels
}

const OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"

/** The Endpoints object `svc` should have, or undefined when `have` already is it. */
export function desiredEndpoints(svc: Service, pods: readonly Pod[], have: Eps | undefined): Eps | undefined {
  const { subsets, truncated } = desiredSubsets(svc, pods)
  const labels = labelsFor(svc)
  const unchanged =
    have &&
    JSON.stringify(have.subsets ?? []) === JSON.stringify(subsets) &&
    JSON.stringify(have.metadata?.labels ?? {}) === JSON.stringify(labels) &&
    !!have.metadata?.annotations?.[OVER_CAPACITY] === truncated
  if (unchanged) return undefined
  const name = svc.metadata?.name ?? ""
  const namespace = svc.metadata?.namespace ?? ""
  const annotations: Record<string, string> = { ...have?.metadata?.annotations }
  if (truncated) annotations[OVER_CAPACITY] = "truncated"
  else delete annotations[OVER_CAPACITY]
  const metadata = { ...structuredClone(have?.metadata ?? { name, namespace }), labels, annotations }
  return { apiVersion: "v1", kind: "Endpoints", metadata, subsets } as Eps
}

/** Marks an Endpoints object that holds a leader-election record (upstream skips those). */
export const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"

/**
 * The Endpoints controller's spec. As upstream's, it reacts to Services and pods, and to an
 * Endpoints object only when one is deleted (it makes it again for a Service with a selector):
 * Endpoints that users write for Services without a selector, or before their Service, are
 * theirs. Those left behind by a Service deleted while the controller was not running go at its
 * start (upstream's checkLeftoverEndpoints).
 */
export function endpointsController(): ControllerSpec {
  let services: Cache<Service & ApiObject> | undefined
  return {
    name: "endpoints",
    workers: 4,
    for: Services,
    watches: [
      { ref: Pods, map: (pod) => servicesOfPod(pod as Pod, services?.list(pod.metadata?.namespace) ?? []) },
      { ref: Endpoints, map: (e) => [keyOf(e)], events: ["delete"] },
    ],
    create({ client, informers }) {
      services = informers.get<Service & ApiObject>(Services).cache
      const pods = informers.get<Pod & ApiObject>(Pods).cache
      const endpoints = informers.get<Eps>(Endpoints).cache
      const api = client.resource<Eps>(Endpoints)
      return {
        async run(queue) {
          for (const e of endpoints.list()) {
            if (e.metadata?.annotations?.[LEADER_ANNOTATION] !== undefined) continue
            queue.add(keyOf(e))
          }
        },
        async reconcile(key) {
          const svc = services?.get(key)
          const { namespace = "", name } = parseKey(key)
          const have = endpoints.get(key)
          if (!svc) {
            // The Service is gone (or never was): so are the endpoints kept for it.
            if (have) await api.delete({ namespace, name }).catch(ignoreNotFound)
            return
          }
          if (!svc.spec?.selector) return
          const obj = desiredEndpoints(svc, pods.list(namespace), have)
          if (!obj) return
          if (have) await api.update(obj)
          else
            await api.create(obj).catch((err: unknown) => {
              if (!isAlreadyExists(err)) throw err
            })
        },
      }
    },
  }
}

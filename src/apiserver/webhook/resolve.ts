/**
 * Where a webhook's Service is reached from the API server: a ready endpoint of the Service's
 * port (upstream's endpoint routing, as the APIService checks here do: ClusterIPs need not be
 * routable from the server), the ExternalName's host, with the words of upstream's resolvers.
 */
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { type ApiObject, SERVICE_NAME_LABEL } from "../../api/index.ts"
import type { Endpoint, ServiceResolver } from "./client.ts"
import { entriesUnder } from "../cache-objects.ts"

/** The Services and EndpointSlices of the watch cache, by key. */
export interface ResolverCaches {
  readonly services: ReadonlyMap<string, ApiObject>
  /** Key prefix of Services, e.g. `/registry/services/`. */
  readonly servicesPrefix: string
  readonly slices: ReadonlyMap<string, ApiObject>
  readonly slicesPrefix: string
}

function readyEndpoints(slices: readonly EndpointSlice[], portName: string): Endpoint[] {
  const out: Endpoint[] = []
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? "") === portName)?.port
    if (port === undefined) continue
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false || !ep.addresses[0]) continue
      out.push({ host: ep.addresses[0], port })
    }
  }
  return out
}

/**
 * What a Service's type and ports say about reaching `port`: an ExternalName's host, or the name
 * of the Service port whose endpoints to pick from. @throws Error in upstream's words
 */
function servicePort(svc: Service, name: string, port: number): Endpoint | string {
  const type = svc.spec?.type ?? "ClusterIP"
  if (type === "ExternalName") return { host: svc.spec?.externalName ?? "", port }
  if (type === "ClusterIP" && svc.spec?.clusterIP === "None")
    throw new Error(`cannot route to service with ClusterIP "None"`)
  if (!["ClusterIP", "NodePort", "LoadBalancer"].includes(type))
    throw new Error(`unsupported service type ${JSON.stringify(type)}`)
  const svcPort = (svc.spec?.ports ?? []).find((p) => p.port === port)
  if (!svcPort) throw new Error(`no service port ${port} found for service ${JSON.stringify(name)}`)
  return svcPort.name ?? ""
}

/** The EndpointSlices of Service `service` among `slices` (the cache's), those under `prefix` (its namespace's). */
export function serviceSlices(
  slices: ReadonlyMap<string, ApiObject>,
  prefix: string,
  service: string,
): EndpointSlice[] {
  const out: EndpointSlice[] = []
  for (const [, obj] of entriesUnder(slices, prefix)) {
    const s = obj as unknown as EndpointSlice
    if (s.metadata?.labels?.[SERVICE_NAME_LABEL] === service) out.push(s)
  }
  return out
}

/** A resolver over the watch cache. */
export function cacheServiceResolver(c: ResolverCaches): ServiceResolver {
  return (namespace, name, port) => {
    const svc = c.services.get(`${c.servicesPrefix}${namespace}/${name}`) as Service | undefined
    if (!svc) throw new Error(`service ${JSON.stringify(name)} not found`)
    const target = servicePort(svc, name, port)
    if (typeof target !== "string") return target
    const ready = readyEndpoints(serviceSlices(c.slices, `${c.slicesPrefix}${namespace}/`, name), target)
    const pick = ready[Math.floor(Math.random() * ready.length)]
    if (!pick) throw new Error(`no endpoints available for service ${JSON.stringify(name)}`)
    return pick
  }
}

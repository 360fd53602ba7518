/**
 * The checks upstream's remote availability controller makes of a service-backed APIService
 * before its discovery request, as a pure function of the Service and its EndpointSlices.
 */
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import type { APIService, APIServiceCondition } from "../../api/index.ts"
import { discoveryPath } from "./discovery-check.ts"
import { joinHostPort } from "../../util/index.ts"

/** What the checks conclude: the Available condition's status, reason and message. */
export type Verdict = Omit<APIServiceCondition, "type" | "lastTransitionTime">

/** The outcome of the checks before the discovery request: a verdict, or where to ask. */
export type Checked = { readonly condition: Verdict } | { readonly url: string }

function unavailable(reason: string, message: string): Checked {
  return { condition: { status: "False", reason, message } }
}

/** A ready endpoint's address and the port named `portName` in its slice, if any slice has one. */
function readyEndpoint(
  slices: readonly EndpointSlice[],
  portName: string,
): { address: string; port: number } | undefined {
  for (const s of slices) {
    const port = (s.ports ?? []).find((p) => (p.name ?? "") === portName && p.port !== undefined)
    const ep = (s.endpoints ?? []).find((e) => e.conditions?.ready !== false && e.addresses.length > 0)
    if (port?.port !== undefined && ep) return { address: ep.addresses[0] as string, port: port.port }
  }
  return undefined
}

/** The Service an APIService names: namespace, name and port (443 by default). */
interface Target {
  readonly ns: string
  readonly name: string
  readonly port: number
}

/** A ClusterIP Service's own checks: it listens on the port and has endpoint slices. */
function checkClusterIp(t: Target, listens: boolean, slices: readonly EndpointSlice[]): Checked | undefined {
  if (!listens)
    return unavailable(
      "ServicePortError",
      `service/${t.name} in "${t.ns}" is not listening on port ${t.port}`,
    )
  if (slices.length === 0)
    return unavailable("EndpointsNotFound", `cannot find endpointslices for service/${t.name} in "${t.ns}"`)
  return undefined
}

/**
 * The checks upstream's remote availability controller makes before its discovery request, read
 * from the Service and EndpointSlice caches. The request goes to a ready endpoint (upstream's
 * --enable-aggregator-routing): cluster IPs need not be routable from where the controller runs.
 */
export function checkService(
  svc: APIService,
  service: Service | undefined,
  slices: readonly EndpointSlice[],
): Checked {
  const ref = svc.spec?.service ?? {}
  const t: Target = { ns: ref.namespace ?? "", name: ref.name ?? "", port: ref.port ?? 443 }
  if (!service) return unavailable("ServiceNotFound", `service/${t.name} in "${t.ns}" is not present`)
  const type = service.spec?.type ?? "ClusterIP"
  if (type === "ExternalName")
    return { url: `https://${joinHostPort(service.spec?.externalName ?? "", t.port)}${discoveryPath(svc)}` }
  const found = (service.spec?.ports ?? []).find((p) => p.port === t.port)
  const portName = found?.name ?? ""
  // Only a ClusterIP Service's port and endpoints are checked (upstream's rule)
  const failed = type === "ClusterIP" ? checkClusterIp(t, !!found, slices) : undefined
  if (failed) return failed
  const endpoint = readyEndpoint(slices, portName)
  if (endpoint)
    return { url: `https://${joinHostPort(endpoint.address, endpoint.port)}${discoveryPath(svc)}` }
  if (type !== "ClusterIP")
    return unavailable("FailedDiscoveryCheck", `no endpoints available for service ${JSON.stringify(t.name)}`)
  return unavailable(
    "MissingEndpoints",
    `endpointslices for service/${t.name} in "${t.ns}" have no addresses with port name ${JSON.stringify(portName)}`,
  )
}

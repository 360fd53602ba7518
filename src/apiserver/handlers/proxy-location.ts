/**
 * Where the proxy subresources send a request, as upstream's ResourceLocation functions decide
 * it: a pod's IP and port, a ready endpoint of a service, or a node's kubelet. The object named
 * in the URL may carry a scheme and a port: `[scheme:]name[:port]`.
 */
import { isIP } from "node:net"
import type { Node, Pod, Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { ApiError, badRequest, findResource, type ResourceInfo } from "../../api/index.ts"
import type { KubeletClientConfig, ResourceRequest } from "./context.ts"
import { kubeletAddress } from "./kubelet-client.ts"
import { serviceSlices } from "../webhook/resolve.ts"

/** A proxy target. `tls` present means HTTPS with those credentials (the kubelet's). */
export interface ProxyLocation {
  readonly scheme: "http" | "https"
  readonly host: string
  readonly port: number
  /** Client credentials and CA for the kubelet; pods and services are not verified (as upstream). */
  readonly tls?: KubeletClientConfig["tls"]
}

/** `[scheme:]name[:port]` split as upstream's SplitSchemeNamePort; undefined when invalid. */
export function splitSchemeNamePort(
  id: string,
): { scheme: "" | "http" | "https"; name: string; port: string } | undefined {
  const parts = id.split(":")
  const [a = "", b = "", c = ""] = parts
  const split =
    parts.length === 1
      ? { scheme: "", name: a, port: "" }
      : parts.length === 2
        ? { scheme: "", name: a, port: b }
        : parts.length === 3
          ? { scheme: a, name: b, port: c }
          : undefined
  if (!split || !split.name || !["", "http", "https"].includes(split.scheme)) return undefined
  return split as { scheme: "" | "http" | "https"; name: string; port: string }
}

function defaultPort(scheme: string): number {
  return scheme === "https" ? 443 : 80
}

function portNumber(port: string, scheme: string, what: string): number {
  if (port === "") return defaultPort(scheme)
  const n = Number(port)
  if (!/^\d+$/.test(port) || n < 1 || n > 65535)
    throw badRequest(`invalid ${what} port ${JSON.stringify(port)}`)
  return n
}

/**
 * Upstream proxies only to global unicast addresses. k8ts also allows loopback ones: its
 * process runtime gives pods 127.x addresses in loopback mode.
 */
export function addressAllowed(ip: string): boolean {
  const v = isIP(ip)
  if (v === 4) {
    const [a = 0, b = 0] = ip.split(".").map(Number)
    return !(a === 0 || a >= 224 || (a === 169 && b === 254))
  }
  if (v === 6) {
    const low = ip.toLowerCase()
    return !(low === "::" || low.startsWith("ff") || /^fe[89ab]/.test(low))
  }
  return false
}

/** pods/proxy: the pod's IP and the given port, else the first declared container port. */
export async function podLocation(r: ResourceRequest): Promise<ProxyLocation> {
  const id = splitSchemeNamePort(r.ri.name)
  if (!id) throw badRequest(`invalid pod request ${JSON.stringify(r.ri.name)}`)
  const pod = (await r.parts.registry.get(r.served, r.namespace, id.name)) as Pod
  let port = id.port
  if (port === "") {
    const declared = (pod.spec?.containers ?? []).find((c) => (c.ports ?? []).length > 0)
    if (declared?.ports?.[0]) port = String(declared.ports[0].containerPort)
  }
  const ip = pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? ""
  if (!addressAllowed(ip)) throw badRequest("address not allowed")
  const scheme = id.scheme || "http"
  return { scheme, host: ip, port: portNumber(port, scheme, "pod") }
}

/** The ready addresses of a service's EndpointSlices that serve the port named `portName`. */
/** A ready address of a service's endpoint, with the pod it claims to be. */
interface Candidate {
  readonly ip: string
  readonly port: number
  readonly pod?: { readonly namespace?: string; readonly name?: string }
}

/** The ready addresses of a service's EndpointSlices that serve the port named `portName`. */
function readyEndpoints(slices: EndpointSlice[], portName: string): Candidate[] {
  const found: Candidate[] = []
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? "") === portName)?.port
    if (port === undefined) continue
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue
      const ip = ep.addresses[0]
      const ref = ep.targetRef
      const pod = ref?.kind === "Pod" ? { namespace: ref.namespace, name: ref.name } : undefined
      if (ip) found.push({ ip, port, ...(pod ? { pod } : {}) })
    }
  }
  return found
}

/** As upstream: an address counts only when it names a pod of the namespace that has that IP. */
async function validAddress(r: ResourceRequest, c: Candidate): Promise<boolean> {
  if (!c.pod?.name || c.pod.namespace !== r.namespace) return false
  const pods = r.parts.served(findResource("", "v1", "pods") as ResourceInfo)
  const pod = (await r.parts.registry.get(pods, r.namespace, c.pod.name).catch(() => undefined)) as
    Pod | undefined
  const ips = (pod?.status?.podIPs ?? []).map((p) => p.ip)
  return ips.includes(c.ip)
}

function slicesOf(r: ResourceRequest, service: string): EndpointSlice[] {
  const served = r.parts.served(findResource("discovery.k8s.io", "v1", "endpointslices") as ResourceInfo)
  return serviceSlices(
    r.parts.cache.resource(served.prefix).objects,
    `${served.prefix}${r.namespace}/`,
    service,
  )
}

/**
 * services/proxy: a random ready endpoint of the service for the port asked for (a service
 * port number is first turned into its name, as upstream does), whose pod has its address.
 */
export async function serviceLocation(r: ResourceRequest): Promise<ProxyLocation> {
  const id = splitSchemeNamePort(r.ri.name)
  if (!id) throw badRequest(`invalid service request ${JSON.stringify(r.ri.name)}`)
  const services = r.parts.served(findResource("", "v1", "services") as ResourceInfo)
  const svc = (await r.parts.registry.get(services, r.namespace, id.name)) as Service
  let portName = id.port
  if (/^\d+$/.test(portName)) {
    const p = (svc.spec?.ports ?? []).find((sp) => sp.port === Number(id.port))
    if (!p)
      throw new ApiError(
        "ServiceUnavailable",
        `no service port ${Number(id.port)} found for service ${JSON.stringify(id.name)}`,
      )
    portName = p.name ?? ""
  }
  const ready = readyEndpoints(slicesOf(r, id.name), portName)
  // Random order: the first valid address wins.
  const start = Math.floor(Math.random() * ready.length)
  for (let i = 0; i < ready.length; i++) {
    const c = ready[(start + i) % ready.length] as Candidate
    if (await validAddress(r, c)) return { scheme: id.scheme || "http", host: c.ip, port: c.port }
  }
  throw new ApiError("ServiceUnavailable", `no endpoints available for service ${JSON.stringify(id.name)}`)
}

/**
 * nodes/proxy: the node's kubelet over HTTPS with the API server's client certificate, or, for
 * another port, plain `scheme://address:port` without those credentials (as upstream).
 */
export async function nodeLocation(r: ResourceRequest, cfg: KubeletClientConfig): Promise<ProxyLocation> {
  const id = splitSchemeNamePort(r.ri.name)
  if (!id) throw badRequest(`invalid node request ${JSON.stringify(r.ri.name)}`)
  const nodes = r.parts.served(findResource("", "v1", "nodes") as ResourceInfo)
  const node = (await r.parts.registry.get(nodes, "", id.name)) as Node
  const kubelet = kubeletAddress(node)
  if (id.port === "" || Number(id.port) === kubelet.port) {
    return cfg.tls
      ? { scheme: "https", host: kubelet.host, port: kubelet.port, tls: cfg.tls }
      : { scheme: "http", host: kubelet.host, port: kubelet.port }
  }
  const scheme = id.scheme || "http"
  return { scheme, host: kubelet.host, port: portNumber(id.port, scheme, "node") }
}

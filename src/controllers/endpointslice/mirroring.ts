/**
 * The EndpointSlice mirroring controller: for every Service without a selector, EndpointSlices
 * mirroring the Endpoints object of the same name that users write for it, so the proxy and the
 * DNS (which read slices) serve such a Service, as upstream's endpointslicemirroring controller
 * makes them. One slice per address type and set of ports, addresses ready and not-ready ones
 * not, at most 1000 addresses of each subset; labels and annotations copied from the Endpoints,
 * which owns its slices. Not mirrored: Endpoints labelled `endpointslice.kubernetes.io/
 * skip-mirror=true` (the kubernetes Service's, whose slice the API server writes) and
 * leader-election records.
 */
import { isIPv6 } from "node:net"
import type { EndpointAddress, Endpoints as EndpointsObject, Service } from "kubernetes-types/core/v1.js"
import type { Endpoint, EndpointPort, EndpointSlice } from "kubernetes-types/discovery/v1.js"
import {
  type ApiObject,
  controllerRef,
  EndpointSlices,
  Endpoints,
  ignoreNotFound,
  keyOf,
  parseKey,
  SERVICE_NAME_LABEL,
  Services,
  SKIP_MIRROR_LABEL,
} from "../../api/index.ts"
import type { ControllerSpec } from "../../client/index.ts"
import { LEADER_ANNOTATION } from "../endpoints/endpoints.ts"
import { MANAGED_BY_LABEL, slicesManagedBy } from "./endpointslice.ts"
import { portsKey } from "./service-pods.ts"

export const MIRRORING_MANAGED_BY = "endpointslicemirroring-controller.k8s.io"
/** Upstream's default --mirroring-max-endpoints-per-subset. */
export const MAX_ENDPOINTS_PER_SUBSET = 1000
/** Annotations of the Endpoints that its slices do not get. */
const NOT_COPIED = [
  "endpoints.kubernetes.io/last-change-trigger-time",
  "kubectl.kubernetes.io/last-applied-configuration",
]

type Eps = EndpointsObject & ApiObject
type Slice = EndpointSlice & ApiObject
type AddressType = "IPv4" | "IPv6"

/** What the controller decides of a slice. */
export type MirroredSlice = Pick<EndpointSlice, "addressType" | "endpoints" | "ports">

/** An address in its canonical form and its type; undefined for what is no IP. */
function parseIp(ip: string): { ip: string; type: AddressType } | undefined {
  // Go's sloppy parse, as upstream's: IPv4 octets may have leading zeros.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const octets = ip.split(".").map(Number)
    return octets.every((o) => o <= 255) ? { ip: octets.join("."), type: "IPv4" } : undefined
  }
  if (!isIPv6(ip)) return undefined
  const canonical = new URL(`http://[${ip}]`).hostname.slice(1, -1)
  // An IPv4-mapped IPv6 address (canonical: ::ffff:a.b.c.d in hex) is an IPv4 one, as Go's To4 takes it.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical)
  if (hex) {
    const [a, b] = [parseInt(hex[1] as string, 16), parseInt(hex[2] as string, 16)]
    return { ip: [a >> 8, a & 255, b >> 8, b & 255].join("."), type: "IPv4" }
  }
  return { ip: canonical, type: "IPv6" }
}

function endpointOf(a: EndpointAddress, ip: string, ready: boolean): Endpoint {
  return {
    addresses: [ip],
    conditions: { ready },
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.nodeName ? { nodeName: a.nodeName } : {}),
    ...(a.targetRef ? { targetRef: a.targetRef } : {}),
  }
}

/**
 * The slices that mirror `eps`: its subsets' addresses grouped by address type and ports (subsets
 * with the same ports share a slice), each address once, the first MAX_ENDPOINTS_PER_SUBSET of
 * each subset (ready ones first).
 */
export function mirroredSlices(eps: EndpointsObject): MirroredSlice[] {
  const groups = new Map<string, { slice: MirroredSlice; seen: Set<string> }>()
  for (const subset of eps.subsets ?? []) {
    const ports: EndpointPort[] = (subset.ports ?? []).map((p) => ({
      name: p.name ?? "",
      port: p.port,
      protocol: p.protocol ?? "TCP",
      ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}),
    }))
    const portsText = portsKey(ports)
    let added = 0
    const add = (a: EndpointAddress, ready: boolean) => {
      if (added >= MAX_ENDPOINTS_PER_SUBSET) return
      const parsed = parseIp(a.ip ?? "")
      if (!parsed) return
      const key = `${parsed.type}/${portsText}`
      let group = groups.get(key)
      if (!group) {
        group = { slice: { addressType: parsed.type, endpoints: [], ports }, seen: new Set() }
        groups.set(key, group)
      }
      const endpoint = endpointOf(a, parsed.ip, ready)
      const id = JSON.stringify([parsed.ip, endpoint.hostname, endpoint.nodeName, endpoint.targetRef])
      if (group.seen.has(id)) return
      group.seen.add(id)
      group.slice.endpoints.push(endpoint)
      added++
    }
    for (const a of subset.addresses ?? []) add(a, true)
    for (const a of subset.notReadyAddresses ?? []) add(a, false)
  }
  return [...groups.values()].map((g) => g.slice)
}

/** The key a slice's address type and ports make (the one mirroredSlices groups by). */
function sliceKey(s: MirroredSlice): string {
  return `${s.addressType}/${portsKey(s.ports ?? [])}`
}

function metadataFor(eps: EndpointsObject): {
  labels: Record<string, string>
  annotations: Record<string, string>
} {
  const annotations = { ...eps.metadata?.annotations }
  for (const a of NOT_COPIED) delete annotations[a]
  const labels = {
    ...eps.metadata?.labels,
    [SERVICE_NAME_LABEL]: eps.metadata?.name ?? "",
    [MANAGED_BY_LABEL]: MIRRORING_MANAGED_BY,
  }
  return { labels, annotations }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Whether `eps` is to be mirrored: one of a Service without a selector (a Service with one gets
 * slices from the EndpointSlice controller), neither told to skip nor a leader-election record.
 */
function shouldMirror(eps: EndpointsObject, svc: Service | undefined): boolean {
  return (
    !!svc &&
    !svc.spec?.selector &&
    eps.metadata?.labels?.[SKIP_MIRROR_LABEL] !== "true" &&
    eps.metadata?.annotations?.[LEADER_ANNOTATION] === undefined
  )
}

/** Pairs each wanted slice with an existing one of its address type and ports; the rest are unused. */
function pair(want: readonly MirroredSlice[], have: readonly Slice[]) {
  const unused = new Set(have)
  const matches = new Map<MirroredSlice, Slice>()
  for (const w of want) {
    const match = [...unused].find((s) => sliceKey(s) === sliceKey(w))
    if (match) {
      unused.delete(match)
      matches.set(w, match)
    }
  }
  return { matches, unused }
}

/** The EndpointSlice mirroring controller's spec. */
export function endpointSliceMirroringController(): ControllerSpec {
  return {
    name: "endpointslicemirroring",
    workers: 2,
    for: Endpoints,
    owns: [EndpointSlices],
    watches: [{ ref: Services, map: (svc) => [keyOf(svc)] }],
    create({ client, informers }) {
      const services = informers.get<Service & ApiObject>(Services).cache
      const endpoints = informers.get<Eps>(Endpoints).cache
      const slices = informers.get<Slice>(EndpointSlices).cache
      const api = client.resource<Slice>(EndpointSlices)

      /** Creates the slice `w` mirroring `eps`, or updates `have` to it when they differ. */
      async function write(eps: Eps, w: MirroredSlice, have: Slice | undefined): Promise<void> {
        const { namespace = "", name = "" } = eps.metadata ?? {}
        const { labels, annotations } = metadataFor(eps)
        if (!have) {
          const ownerReferences = [controllerRef(eps, Endpoints)]
          const metadata = { generateName: `${name}-`, namespace, labels, annotations, ownerReferences }
          await api.create({ ...w, metadata } as Slice)
          return
        }
        const unchanged =
          same(have.endpoints ?? [], w.endpoints) &&
          same(have.ports ?? [], w.ports) &&
          same(have.metadata?.labels ?? {}, labels) &&
          same(have.metadata?.annotations ?? {}, annotations)
        if (unchanged) return
        const metadata = { ...structuredClone(have.metadata), labels, annotations }
        await api.update({ ...structuredClone(have), ...w, metadata } as Slice)
      }

      return {
        async reconcile(key) {
          const { namespace = "", name } = parseKey(key)
          const eps = endpoints.get(key)
          const want = eps && shouldMirror(eps, services.get(key)) ? mirroredSlices(eps) : []
          const { matches, unused } = pair(
            want,
            slicesManagedBy(slices.list(namespace), name, MIRRORING_MANAGED_BY),
          )
          for (const extra of unused) {
            await api.delete({ namespace, name: extra.metadata?.name ?? "" }).catch(ignoreNotFound)
          }
          if (eps) for (const w of want) await write(eps, w, matches.get(w))
        },
      }
    },
  }
}

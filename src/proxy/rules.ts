/**
 * The proxy's one rules compiler: Services and their EndpointSlices in, one rule per service
 * port out (virtual address, protocol, NodePort, external and load-balancer IPs, session
 * affinity, and the endpoints that may take traffic). Every backend (userspace, nftables as
 * root) programs these rules.
 */
import type { Service } from "kubernetes-types/core/v1.js"
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js"
import { SERVICE_NAME_LABEL } from "../api/index.ts"

/** One place traffic may go. */
export interface RuleEndpoint {
  readonly ip: string
  readonly port: number
  /** On this node (for the Local traffic policies). */
  readonly local: boolean
}

/** How one service port is served. */
export interface ServiceRule {
  /** "ns/name:port-name" (port name may be empty). */
  readonly id: string
  readonly clusterIP: string
  readonly port: number
  readonly protocol: "TCP" | "UDP" | "SCTP"
  readonly nodePort?: number
  /** ClientIP affinity timeout in seconds, when sessionAffinity is ClientIP. */
  readonly affinitySeconds?: number
  /** Ready endpoints (terminating ones only when no other is left, as upstream falls back). */
  readonly endpoints: readonly RuleEndpoint[]
  /** Traffic from inside the cluster only to endpoints on this node. */
  readonly internalLocal: boolean
  /** NodePort, external IP and load-balancer traffic only to endpoints on this node. */
  readonly externalLocal: boolean
  /** spec.externalIPs: more addresses this port is served on (as external traffic). */
  readonly externalIPs?: readonly string[]
  /** status.loadBalancer.ingress IPs (ipMode VIP) of a LoadBalancer service. */
  readonly loadBalancerIPs?: readonly string[]
  /** spec.loadBalancerSourceRanges: the only clients allowed on the load-balancer IPs. */
  readonly sourceRanges?: readonly string[]
}

/** The addresses outside the cluster a service is served on: external IPs, then load-balancer IPs. */
function externalsOf(spec: NonNullable<Service["spec"]>, svc: Service): Partial<ServiceRule> {
  const externalIPs = spec.externalIPs ?? []
  const loadBalancerIPs =
    spec.type === "LoadBalancer"
      ? (svc.status?.loadBalancer?.ingress ?? [])
          // An ingress in Proxy mode is reached through its load balancer, never short-circuited.
          .filter((i) => i.ip && i.ipMode !== "Proxy")
          .map((i) => i.ip as string)
      : []
  const ranges = spec.type === "LoadBalancer" ? (spec.loadBalancerSourceRanges ?? []) : []
  return {
    ...(externalIPs.length ? { externalIPs } : {}),
    ...(loadBalancerIPs.length ? { loadBalancerIPs } : {}),
    ...(ranges.length ? { sourceRanges: ranges.map((r) => r.trim()).filter(Boolean) } : {}),
  }
}

function endpointsFor(
  slices: readonly EndpointSlice[],
  portName: string,
  protocol: string,
  node: string,
): RuleEndpoint[] {
  const ready: RuleEndpoint[] = []
  const terminating: RuleEndpoint[] = []
  for (const s of slices) {
    const port = (s.ports ?? []).find(
      (p) => (p.name ?? "") === portName && (p.protocol ?? "TCP") === protocol,
    )
    if (!port?.port) continue
    for (const e of s.endpoints ?? []) {
      const ip = e.addresses[0]
      if (!ip) continue
      const ep = { ip, port: port.port, local: e.nodeName === node }
      if (e.conditions?.ready !== false) ready.push(ep)
      else if (e.conditions?.serving && e.conditions.terminating) terminating.push(ep)
    }
  }
  const chosen = ready.length ? ready : terminating
  return chosen.sort((a, b) => (a.ip === b.ip ? a.port - b.port : NUMERIC.compare(a.ip, b.ip)))
}

// One collator each: localeCompare with options builds a new one per call (most of a sync's time).
const NUMERIC = new Intl.Collator(undefined, { numeric: true })
const TEXT = new Intl.Collator()

function slicesByService(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const byService = new Map<string, EndpointSlice[]>()
  for (const s of slices) {
    const name = s.metadata?.labels?.[SERVICE_NAME_LABEL]
    if (!name) continue
    const key = `${s.metadata?.namespace}/${name}`
    byService.set(key, [...(byService.get(key) ?? []), s])
  }
  return byService
}

function rulesOf(svc: Service, slices: readonly EndpointSlice[], node: string): ServiceRule[] {
  const spec = svc.spec
  const ip = spec?.clusterIP
  if (!spec || !ip || ip === "None" || spec.type === "ExternalName") return []
  const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`
  const affinity =
    spec.sessionAffinity === "ClientIP"
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800)
      : undefined
  const externals = externalsOf(spec, svc)
  return (spec.ports ?? []).map((p) => {
    const protocol = (p.protocol ?? "TCP") as ServiceRule["protocol"]
    return {
      id: `${key}:${p.name ?? ""}`,
      clusterIP: ip,
      port: p.port,
      protocol,
      ...(p.nodePort ? { nodePort: p.nodePort } : {}),
      ...(affinity !== undefined ? { affinitySeconds: affinity } : {}),
      endpoints: endpointsFor(slices, p.name ?? "", protocol, node),
      internalLocal: spec.internalTrafficPolicy === "Local",
      externalLocal: spec.externalTrafficPolicy === "Local",
      ...externals,
    }
  })
}

/**
 * Rules compiled before, by Service: reused while the Service and its slices are the very same
 * objects (an informer's cache keeps unchanged objects), so a sync recompiles only the services
 * that changed. Owned by one caller compiling for one node.
 */
export type RulesCache = WeakMap<
  Service,
  { readonly slices: readonly EndpointSlice[]; readonly rules: ServiceRule[] }
>

const NO_SLICES: readonly EndpointSlice[] = []

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/**
 * Compiles the rules of `services` from `slices` (grouped by the kubernetes.io/service-name
 * label), as seen from node `node`. Headless and ExternalName services get none. With `cache`,
 * unchanged services reuse their rules (the same objects).
 */
export function compileRules(
  services: readonly Service[],
  slices: readonly EndpointSlice[],
  node: string,
  cache?: RulesCache,
): ServiceRule[] {
  const byService = slicesByService(slices)
  return services
    .flatMap((svc) => {
      const mine = byService.get(`${svc.metadata?.namespace}/${svc.metadata?.name}`) ?? NO_SLICES
      const hit = cache?.get(svc)
      if (hit && sameItems(hit.slices, mine)) return hit.rules
      const rules = rulesOf(svc, mine, node)
      cache?.set(svc, { slices: mine, rules })
      return rules
    })
    .sort((a, b) => TEXT.compare(a.id, b.id))
}

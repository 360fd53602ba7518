/**
 * What a Service's endpoints are made of: the pods its selector picks in its namespace, each
 * with its address, readiness and the ports the Service's targetPorts resolve to on that pod
 * (a named targetPort may be a different number on each pod).
 */
import type { EndpointPort } from "kubernetes-types/discovery/v1.js"
import type { Pod, Service } from "kubernetes-types/core/v1.js"
import { isPodReady, isPodTerminal, selectorFromSet } from "../../api/index.ts"

/** One pod as an endpoint of a service. */
export interface PodEndpoint {
  readonly pod: Pod
  readonly ip: string
  /** Ready to serve (the pod's Ready condition), or forced by publishNotReadyAddresses. */
  readonly ready: boolean
  /** The pod's own readiness, whatever publishNotReadyAddresses says. */
  readonly serving: boolean
  readonly terminating: boolean
  /** The resolved ports, in the Service's order. */
  readonly ports: EndpointPort[]
  /** Set when the pod's hostname and subdomain name it under this Service. */
  readonly hostname?: string
}

/** The container port a Service port's targetPort means on `pod`; undefined when unresolvable. */
export function resolveTargetPort(
  pod: Pod,
  port: NonNullable<NonNullable<Service["spec"]>["ports"]>[number],
): number | undefined {
  const target = port.targetPort ?? port.port
  if (typeof target === "number") return target
  if (/^\d+$/.test(target)) return Number(target)
  const proto = port.protocol ?? "TCP"
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? [])
      if (p.name === target && (p.protocol ?? "TCP") === proto) return p.containerPort
  }
  return undefined
}

/** The Service's ports as resolved on `pod` (ports it cannot resolve are left out). */
function portsOn(svc: Service, pod: Pod): EndpointPort[] {
  const ports: EndpointPort[] = []
  for (const p of svc.spec?.ports ?? []) {
    const resolved = resolveTargetPort(pod, p)
    if (resolved === undefined) continue
    ports.push({
      name: p.name ?? "",
      port: resolved,
      protocol: p.protocol ?? "TCP",
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    })
  }
  return ports
}

function endpointOf(svc: Service, pod: Pod, ip: string): PodEndpoint {
  const serving = isPodReady(pod)
  const hostname =
    pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name ? pod.spec.hostname : undefined
  return {
    pod,
    ip,
    serving,
    ready: !!svc.spec?.publishNotReadyAddresses || serving,
    terminating: !!pod.metadata?.deletionTimestamp,
    ports: portsOn(svc, pod),
    ...(hostname ? { hostname } : {}),
  }
}

/** The endpoints of `svc` among `pods` (the pods of its namespace), by pod name. */
export function podEndpoints(svc: Service, pods: readonly Pod[]): PodEndpoint[] {
  const selector = svc.spec?.selector
  if (!selector) return []
  const matches = selectorFromSet(selector)
  const out: PodEndpoint[] = []
  for (const pod of pods) {
    const ip = pod.status?.podIP
    if (!matches(pod.metadata?.labels) || !ip || isPodTerminal(pod)) continue
    out.push(endpointOf(svc, pod, ip))
  }
  return out.sort((a, b) => (a.pod.metadata?.name ?? "").localeCompare(b.pod.metadata?.name ?? ""))
}

/** A stable key of a port list (endpoints with the same ports share a slice or subset). */
export function portsKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify(ports.map((p) => [p.name ?? "", p.port, p.protocol ?? "TCP", p.appProtocol ?? ""]))
}

/** The keys of the Services in the pod's namespace whose selector matches it. */
export function servicesOfPod(pod: Pod, services: readonly Service[]): string[] {
  const ns = pod.metadata?.namespace ?? ""
  return services
    .filter((s) => s.spec?.selector && selectorFromSet(s.spec.selector)(pod.metadata?.labels))
    .map((s) => `${ns}/${s.metadata?.name}`)
}

/**
 * A Service is a union discriminated by `type`: when an update switches it to a type that no
 * longer uses a field the server may have filled in (clusterIP, nodePorts, healthCheckNodePort,
 * externalTrafficPolicy, ...), and the update left that field as it was, the field is cleared
 * (and what it held released) instead of failing validation, as upstream's service strategy
 * does. So `kubectl apply` of a manifest going from NodePort back to ClusterIP works, though the
 * live object still carries the allocated nodePort and the defaulted externalTrafficPolicy.
 */
import type { ApiObject } from "../../api/index.ts"

type Spec = Record<string, any>
type Svc = ApiObject & { spec?: Spec; status?: Record<string, any> }

/** The type, as defaulting will make it (an update without one is a ClusterIP Service). */
function typeOf(spec: Spec): string {
  return typeof spec.type === "string" && spec.type ? spec.type : "ClusterIP"
}

function needsClusterIP(spec: Spec): boolean {
  return typeOf(spec) !== "ExternalName"
}

function needsNodePort(spec: Spec): boolean {
  return typeOf(spec) === "NodePort" || typeOf(spec) === "LoadBalancer"
}

function needsHealthCheckNodePort(spec: Spec): boolean {
  return typeOf(spec) === "LoadBalancer" && spec.externalTrafficPolicy === "Local"
}

function externallyAccessible(spec: Spec): boolean {
  const t = typeOf(spec)
  return (
    t === "LoadBalancer" || t === "NodePort" || (t === "ClusterIP" && (spec.externalIPs ?? []).length > 0)
  )
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}

function nodePorts(spec: Spec): Set<number> {
  const ports = (Array.isArray(spec.ports) ? spec.ports : []) as { nodePort?: number }[]
  return new Set(ports.map((p) => p.nodePort ?? 0).filter((n) => n !== 0))
}

/** No nodePort the update names is new: it may add, remove or change ports otherwise. */
function sameNodePorts(old: Spec, next: Spec): boolean {
  const had = nodePorts(old)
  return [...nodePorts(next)].every((n) => had.has(n))
}

/** Going to ExternalName: the unchanged clusterIP(s) and IP families go. */
function dropClusterIPs(spec: Spec, o: Spec): void {
  if (!needsClusterIP(o) || needsClusterIP(spec)) return
  if (o.clusterIP === spec.clusterIP && same(o.clusterIPs, spec.clusterIPs)) {
    delete spec.clusterIP
    delete spec.clusterIPs
  }
  if (same(o.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies
  if (same(o.ipFamilyPolicy, spec.ipFamilyPolicy)) delete spec.ipFamilyPolicy
}

/** Leaving NodePort or LoadBalancer: the nodePorts go, unless the update adds one. */
function dropNodePorts(spec: Spec, o: Spec): void {
  if (!needsNodePort(o) || needsNodePort(spec) || !sameNodePorts(o, spec) || !Array.isArray(spec.ports))
    return
  spec.ports = spec.ports.map((p: Record<string, unknown>) => {
    const { nodePort: _, ...rest } = p
    return rest
  })
}

/** Leaving LoadBalancer: its health check port, node port allocation choice and class. */
function dropLoadBalancerFields(spec: Spec, o: Spec): void {
  if (
    needsHealthCheckNodePort(o) &&
    !needsHealthCheckNodePort(spec) &&
    (o.healthCheckNodePort ?? 0) === (spec.healthCheckNodePort ?? 0)
  ) {
    delete spec.healthCheckNodePort
  }
  if (typeOf(o) !== "LoadBalancer" || typeOf(spec) === "LoadBalancer") return
  const a = o.allocateLoadBalancerNodePorts
  const b = spec.allocateLoadBalancerNodePorts
  if (typeof a === "boolean" && a === b) delete spec.allocateLoadBalancerNodePorts
  if (same(o.loadBalancerClass, spec.loadBalancerClass)) delete spec.loadBalancerClass
}

/**
 * Clears from `next` (a main-resource update of the Service `old`) the fields its new type does
 * not use and the update did not change. `next.spec` and its ports are copied before any change.
 */
export function dropTypeDependentFields(next: Svc, old: Svc): void {
  const o = old.spec ?? {}
  const spec: Spec = { ...(next.spec ?? {}) }
  next.spec = spec
  dropClusterIPs(spec, o)
  dropNodePorts(spec, o)
  dropLoadBalancerFields(spec, o)
  const policy = (s: Spec) => s.externalTrafficPolicy ?? ""
  if (externallyAccessible(o) && !externallyAccessible(spec) && policy(o) === policy(spec)) {
    delete spec.externalTrafficPolicy
  }
  // A load balancer's status goes with the type (deprovisioning is the controller's business).
  const lb = next.status?.loadBalancer
  if (typeOf(spec) !== "LoadBalancer" && lb && Object.keys(lb).length) {
    next.status = { ...next.status, loadBalancer: {} }
  }
}

/**
 * What the kubelet asks the runtime for, from a pod's spec: the sandbox's host namespaces,
 * hostPorts and pod-level limits, and each container's cgroup limits (from its resources, in
 * the units cgroups take).
 */
import type { Container, Pod } from "kubernetes-types/core/v1.js"
import { milliValue, unitValue } from "../api/index.ts"
import type { PortMapping, ResourceLimits, SandboxConfig } from "./runtime/runtime.ts"
import { podHostnameAndDomain } from "./volumes/etc-hosts.ts"

/** A container's limits: CPU request (shares) and limit (quota), memory limit. */
export function containerResources(c: Container): ResourceLimits | undefined {
  const limits = c.resources?.limits ?? {}
  const requests = c.resources?.requests ?? {}
  // An unset request defaults to the limit (as API defaulting does for the pod).
  const cpuRequest = requests.cpu ?? limits.cpu
  const out: { cpuRequestMilli?: number; cpuLimitMilli?: number; memoryLimitBytes?: number } = {}
  if (cpuRequest !== undefined) out.cpuRequestMilli = milliValue(cpuRequest)
  if (limits.cpu !== undefined) out.cpuLimitMilli = milliValue(limits.cpu)
  if (limits.memory !== undefined) out.memoryLimitBytes = unitValue(limits.memory)
  return Object.keys(out).length ? out : undefined
}

/** `{ resources }` of a ContainerConfig, when the container sets any. */
export function withResources(c: Container): { resources?: ResourceLimits } {
  const resources = containerResources(c)
  return resources ? { resources } : {}
}

/** The hostPorts of a pod's containers (none with hostNetwork: its ports are the node's). */
export function portMappings(pod: Pod): PortMapping[] {
  if (pod.spec?.hostNetwork) return []
  return (pod.spec?.containers ?? []).flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => p.hostPort)
      .map((p) => ({
        containerPort: p.containerPort,
        hostPort: p.hostPort as number,
        protocol: (p.protocol ?? "TCP") as PortMapping["protocol"],
        ...(p.hostIP ? { hostIP: p.hostIP } : {}),
      })),
  )
}

/**
 * The pod cgroup's limits, as upstream computes them: a memory or CPU limit only when every
 * app container sets one (the sum, or the largest init container's when that is more), and
 * CPU shares from the sum of requests.
 */
export function podResources(pod: Pod): ResourceLimits | undefined {
  const apps = (pod.spec?.containers ?? []).map(containerResources)
  const inits = (pod.spec?.initContainers ?? []).map(containerResources)
  const total = (key: keyof ResourceLimits): number | undefined => {
    if (!apps.length || apps.some((r) => r?.[key] === undefined)) return undefined
    const sum = apps.reduce((n, r) => n + (r?.[key] ?? 0), 0)
    if (inits.some((r) => r?.[key] === undefined)) return inits.length ? undefined : sum
    return Math.max(sum, ...inits.map((r) => r?.[key] ?? 0))
  }
  const requests = apps.reduce((n, r) => n + (r?.cpuRequestMilli ?? 0), 0)
  const out: { cpuRequestMilli?: number; cpuLimitMilli?: number; memoryLimitBytes?: number } = {}
  if (requests > 0) out.cpuRequestMilli = requests
  const cpu = total("cpuLimitMilli")
  if (cpu !== undefined) out.cpuLimitMilli = cpu
  const memory = total("memoryLimitBytes")
  if (memory !== undefined) out.memoryLimitBytes = memory
  return Object.keys(out).length ? out : undefined
}

/** The sandbox a pod asks for. */
export function sandboxConfig(pod: Pod, podUid: string): SandboxConfig {
  const spec = pod.spec
  const resources = podResources(pod)
  const ports = portMappings(pod)
  return {
    podUid,
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    // As upstream's GeneratePodHostNameAndDomain: cut to 63 characters, without a trailing - or .
    hostname: podHostnameAndDomain(pod, "").hostname,
    ...(spec?.hostNetwork ? { hostNetwork: true } : {}),
    ...(spec?.hostPID ? { hostPID: true } : {}),
    ...(spec?.hostIPC ? { hostIPC: true } : {}),
    ...(spec?.shareProcessNamespace ? { shareProcessNamespace: true } : {}),
    ...(ports.length ? { portMappings: ports } : {}),
    ...(resources ? { resources } : {}),
  }
}

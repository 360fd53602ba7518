/**
 * What a container's status says of its resources (upstream's convertContainerStatusResources):
 * allocatedResources, the requests allocated to it; resources, those allocated with what the
 * runtime applied in place of cpu requests and limits and the memory limit while it runs (the
 * values cgroups take: a cpu request at or below 2m, or a limit at or below 10m, on both sides
 * is reported as allocated).
 */
import type { Container, ContainerStatus, ResourceRequirements } from "kubernetes-types/core/v1.js"
import { milliValue, quantityOf, quantityOfMilli } from "../../api/index.ts"
import type { ContainerInfo } from "../runtime/runtime.ts"

/** The smallest cpu.shares the kernel takes, in millicores (upstream's cm.MinShares). */
export const MIN_SHARES_MILLI = 2
/** The smallest effective CPU limit, in millicores (upstream's cm.MinMilliCPULimit). */
export const MIN_CPU_LIMIT_MILLI = 10

/** Whether a cpu value applied and an allocated one differ, both at or below `floor` being alike. */
export function cpuDiffers(applied: number, allocated: number, floor: number): boolean {
  return applied !== allocated && !(applied <= floor && allocated <= floor)
}

/** Whether the status reports the cpu value applied: unless both it and the allocated one are at or below `floor`. */
function reportsApplied(applied: number, allocated: number, floor: number): boolean {
  return applied > floor || allocated > floor
}

/** The resources a running container's status reports. */
function applied(allocated: ResourceRequirements, info: ContainerInfo): ResourceRequirements {
  const out: ResourceRequirements = structuredClone(allocated)
  const r = info.resources
  if (!r) return out
  if (out.limits) {
    const cpu = r.cpuLimitMilli
    if (cpu !== undefined && reportsApplied(cpu, milliValue(out.limits.cpu ?? "0"), MIN_CPU_LIMIT_MILLI))
      out.limits.cpu = quantityOfMilli(cpu)
    if (r.memoryLimitBytes !== undefined) out.limits.memory = quantityOf(r.memoryLimitBytes, "BinarySI")
  }
  if (out.requests) {
    const cpu = r.cpuRequestMilli
    if (cpu !== undefined && reportsApplied(cpu, milliValue(out.requests.cpu ?? "0"), MIN_SHARES_MILLI))
      out.requests.cpu = quantityOfMilli(cpu)
  }
  return out
}

/**
 * `{ resources, allocatedResources }` of the status of container `allocated` (its spec as
 * allocated) started as `info`: the runtime's values while it runs, the allocated ones else.
 */
export function statusResources(
  allocated: Container,
  info: ContainerInfo,
): Pick<ContainerStatus, "resources" | "allocatedResources"> {
  const resources = allocated.resources ?? {}
  const requests = resources.requests ?? {}
  return {
    ...(Object.keys(requests).length ? { allocatedResources: { ...requests } } : {}),
    resources: info.state === "running" ? applied(resources, info) : structuredClone(resources),
  }
}

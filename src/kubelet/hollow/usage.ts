/**
 * Synthetic resource usage of hollow nodes, so metrics and the HPA can be tested at scale: each
 * running pod uses a fraction of its requests (default half), or what its annotations say
 * (`hollow.k8ts.io/cpu-usage: 250m`, `hollow.k8ts.io/memory-usage: 64Mi`, split evenly over its
 * containers). CPU time accumulates at that rate since the pod started.
 */
import type { Pod } from "kubernetes-types/core/v1.js"
import { milliValue, unitValue } from "../../api/index.ts"
import type { ContainerStats, PodStats, Summary } from "../stats/summary-types.ts"
import { podTotals } from "../stats/summary-types.ts"

/** Pod annotation: the pod's CPU usage (a quantity), overriding the fraction of requests. */
export const CPU_USAGE_ANNOTATION = "hollow.k8ts.io/cpu-usage"
/** Pod annotation: the pod's memory working set (a quantity). */
export const MEMORY_USAGE_ANNOTATION = "hollow.k8ts.io/memory-usage"

/** How much of their requests hollow pods use. */
export interface HollowUsage {
  /** Default 0.5. */
  readonly cpuFraction?: number
  /** Default 0.5. */
  readonly memoryFraction?: number
}

function containerStats(pod: Pod, usage: HollowUsage, now: number, started: number): ContainerStats[] {
  const containers = pod.spec?.containers ?? []
  const ann = pod.metadata?.annotations ?? {}
  const cpuAll = ann[CPU_USAGE_ANNOTATION]
  const memAll = ann[MEMORY_USAGE_ANNOTATION]
  const time = new Date(now).toISOString()
  return containers.map((c) => {
    const req = c.resources?.requests ?? {}
    const milli =
      cpuAll !== undefined
        ? milliValue(cpuAll) / containers.length
        : milliValue(req.cpu ?? "0") * (usage.cpuFraction ?? 0.5)
    const bytes = Math.round(
      memAll !== undefined
        ? unitValue(memAll) / containers.length
        : unitValue(req.memory ?? "0") * (usage.memoryFraction ?? 0.5),
    )
    const nanoCores = Math.round(milli * 1e6)
    return {
      name: c.name,
      startTime: new Date(started).toISOString(),
      cpu: {
        time,
        usageNanoCores: nanoCores,
        usageCoreNanoSeconds: Math.round((nanoCores * Math.max(0, now - started)) / 1000),
      },
      memory: { time, usageBytes: bytes, workingSetBytes: bytes, rssBytes: bytes },
    }
  })
}

/** The summary a hollow node reports for its running pods. */
export function hollowSummary(
  nodeName: string,
  nodeStarted: number,
  pods: readonly Pod[],
  now: number,
  usage: HollowUsage = {},
): Summary {
  const time = new Date(now).toISOString()
  const podStats: PodStats[] = []
  for (const pod of pods) {
    if (pod.status?.phase !== "Running") continue
    const started = Date.parse(pod.status.startTime ?? "") || now
    const containers = containerStats(pod, usage, now, started)
    podStats.push({
      podRef: {
        name: pod.metadata?.name ?? "",
        namespace: pod.metadata?.namespace ?? "",
        uid: pod.metadata?.uid ?? "",
      },
      startTime: new Date(started).toISOString(),
      containers,
      ...podTotals(containers, time),
    })
  }
  const all = podTotals(
    podStats.flatMap((p) => p.containers),
    time,
  )
  return {
    node: {
      nodeName,
      startTime: new Date(nodeStarted).toISOString(),
      cpu: { ...all.cpu, usageNanoCores: all.cpu.usageNanoCores ?? 0 },
      memory: all.memory,
    },
    pods: podStats,
  }
}

/**
 * The shape of the kubelet's `/stats/summary` (upstream's stats/v1alpha1 Summary), as far as
 * k8ts measures it: CPU and memory of the node, its pods and their containers.
 */

/** CPU usage at `time`: a rate over the last sampling window and the cumulative total. */
export interface CpuStats {
  readonly time: string
  readonly usageNanoCores?: number
  readonly usageCoreNanoSeconds: number
}

/** Memory usage at `time`; the working set is what metrics and eviction look at. */
export interface MemoryStats {
  readonly time: string
  readonly availableBytes?: number
  readonly usageBytes: number
  readonly workingSetBytes: number
  readonly rssBytes: number
}

/** One container's usage. */
export interface ContainerStats {
  readonly name: string
  readonly startTime: string
  readonly cpu: CpuStats
  readonly memory: MemoryStats
}

/** One pod's usage: its containers' summed. */
export interface PodStats {
  readonly podRef: { readonly name: string; readonly namespace: string; readonly uid: string }
  readonly startTime: string
  readonly containers: readonly ContainerStats[]
  readonly cpu: CpuStats
  readonly memory: MemoryStats
}

/** The node's own usage. */
export interface NodeStats {
  readonly nodeName: string
  readonly startTime: string
  readonly cpu: CpuStats
  readonly memory: MemoryStats
}

/** GET /stats/summary. */
export interface Summary {
  readonly node: NodeStats
  readonly pods: readonly PodStats[]
}

/** Sums containers' CPU and memory into a pod's. */
export function podTotals(
  containers: readonly ContainerStats[],
  time: string,
): { cpu: CpuStats; memory: MemoryStats } {
  let nano = 0
  let cumulative = 0
  let ws = 0
  let rss = 0
  let hasRate = containers.length > 0
  for (const c of containers) {
    if (c.cpu.usageNanoCores === undefined) hasRate = false
    nano += c.cpu.usageNanoCores ?? 0
    cumulative += c.cpu.usageCoreNanoSeconds
    ws += c.memory.workingSetBytes
    rss += c.memory.rssBytes
  }
  return {
    cpu: { time, usageCoreNanoSeconds: cumulative, ...(hasRate ? { usageNanoCores: nano } : {}) },
    memory: { time, usageBytes: ws, workingSetBytes: ws, rssBytes: rss },
  }
}

/**
 * The kubelet's resource measurements: each running container's CPU and memory (from its cgroup
 * when the runtime gives it one, else its process group's from /proc) and the node's, assembled into a `/stats/summary`. CPU rates come from
 * the previous sample of the same container (or node), else from the average since its start.
 */
import { uptime } from "node:os"
import type { PodRecord } from "../pod-state.ts"
import type { ContainerInfo, ContainerRuntime, ContainerUsage } from "../runtime/runtime.ts"
import { type GroupUsage, parseMeminfo, parseNodeCpu, readProc, usageByProcessGroup } from "./proc.ts"
import {
  type ContainerStats,
  type CpuStats,
  type PodStats,
  podTotals,
  type Summary,
} from "./summary-types.ts"

/** A pod the kubelet runs, as the stats provider needs it. */
export interface StatsPod {
  readonly namespace: string
  readonly name: string
  readonly record: PodRecord
}

/** Where usage is read from (the real /proc by default; tests give their own). */
export interface UsageSource {
  /** Usage of every live process group, by group id. */
  groups(): Map<number, GroupUsage>
  /** The node's busy CPU time (ns) and memory. */
  node(): { cpuNanos: number; memory: { total: number; available: number; workingSet: number } }
}

/** Linux's /proc. */
export const procUsage: UsageSource = {
  groups: () => usageByProcessGroup(),
  node: () => ({
    cpuNanos: parseNodeCpu(readProc("/proc/stat")),
    memory: parseMeminfo(readProc("/proc/meminfo")),
  }),
}

interface Sample {
  readonly at: number
  readonly cpuNanos: number
  readonly rate?: number
}

/** Samples shorter apart than this keep the previous rate's base (a rate needs a window). */
const MIN_WINDOW_MS = 1000

/** Measures and remembers the samples CPU rates are computed from. */
export class StatsProvider {
  readonly #source: UsageSource
  readonly #now: () => number
  readonly #samples = new Map<string, Sample>()
  readonly #runtime?: Pick<ContainerRuntime, "usage">

  /** `runtime`: containers with a cgroup are measured from it (sandboxed pods), others from /proc. */
  constructor(
    opts: { source?: UsageSource; now?: () => number; runtime?: Pick<ContainerRuntime, "usage"> } = {},
  ) {
    this.#source = opts.source ?? procUsage
    this.#now = opts.now ?? Date.now
    if (opts.runtime) this.#runtime = opts.runtime
  }

  /** The summary of the node named `nodeName` and of `pods`. */
  summary(nodeName: string, pods: Iterable<StatsPod>): Summary {
    const now = this.#now()
    const time = new Date(now).toISOString()
    const groups = this.#source.groups()
    const seen = new Set<string>(["node"])
    const podStats: PodStats[] = []
    for (const p of pods) {
      const containers: ContainerStats[] = []
      for (const [name, c] of p.record.containers) {
        const info = c.current
        if (info?.state !== "running" || info.pid === undefined) continue
        seen.add(info.id)
        const usage = this.#runtime?.usage?.(info.id) ?? fromGroup(groups.get(info.pid))
        containers.push(this.#container(name, info, usage, now))
      }
      if (containers.length === 0) continue
      podStats.push({
        podRef: { name: p.name, namespace: p.namespace, uid: p.record.uid },
        startTime: new Date(p.record.since).toISOString(),
        containers,
        ...podTotals(containers, time),
      })
    }
    for (const id of this.#samples.keys()) if (!seen.has(id)) this.#samples.delete(id)
    const bootMs = now - uptime() * 1000
    const n = this.#source.node()
    return {
      node: {
        nodeName,
        startTime: new Date(bootMs).toISOString(),
        cpu: this.#cpu("node", n.cpuNanos, bootMs, now),
        memory: {
          time,
          availableBytes: n.memory.available,
          usageBytes: n.memory.workingSet,
          workingSetBytes: n.memory.workingSet,
          rssBytes: n.memory.workingSet,
        },
      },
      pods: podStats,
    }
  }

  #container(
    name: string,
    info: ContainerInfo,
    usage: ContainerUsage | undefined,
    now: number,
  ): ContainerStats {
    const time = new Date(now).toISOString()
    return {
      name,
      startTime: new Date(info.startedAt).toISOString(),
      cpu: this.#cpu(info.id, usage?.cpuNanos ?? 0, info.startedAt, now),
      memory: {
        time,
        usageBytes: usage?.memoryBytes ?? 0,
        workingSetBytes: usage?.workingSetBytes ?? 0,
        rssBytes: usage?.rssBytes ?? 0,
      },
    }
  }

  /** The CPU stats of `key`: a rate against its previous sample, or the average since `since`. */
  #cpu(key: string, cpuNanos: number, since: number, now: number): CpuStats {
    const prev = this.#samples.get(key)
    const base = prev ?? { at: since, cpuNanos: 0 }
    const windowMs = now - base.at
    let rate: number | undefined
    if (prev && windowMs < MIN_WINDOW_MS) rate = prev.rate
    else {
      if (windowMs > 0) rate = Math.max(0, Math.round(((cpuNanos - base.cpuNanos) / windowMs) * 1e3))
      this.#samples.set(key, { at: now, cpuNanos, ...(rate !== undefined ? { rate } : {}) })
    }
    return {
      time: new Date(now).toISOString(),
      usageCoreNanoSeconds: Math.round(cpuNanos),
      ...(rate !== undefined ? { usageNanoCores: rate } : {}),
    }
  }
}

/** A process group's usage as a container's: its resident memory stands for usage and working set. */
function fromGroup(g: GroupUsage | undefined): ContainerUsage | undefined {
  return (
    g && { cpuNanos: g.cpuNanos, memoryBytes: g.rssBytes, workingSetBytes: g.rssBytes, rssBytes: g.rssBytes }
  )
}

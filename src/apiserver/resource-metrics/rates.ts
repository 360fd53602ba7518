/**
 * Turns consecutive summaries into rates, as metrics-server does with cumulative CPU: the
 * usage between this scrape and the previous one of the same container (or node). A container
 * seen for the first time counts from its start time; without cumulative figures the kubelet's
 * own rate is used.
 */
import type { KubeletCpu, NodePoint, PodPoint, KubeletSummary } from "./points.ts"

interface Cumulative {
  readonly time: number
  readonly nanos: number
  readonly start: number
}

/** The previous cumulative CPU figures, by node, container or "node/<name>". */
export class RateTracker {
  #prev = new Map<string, Cumulative>()
  #next = new Map<string, Cumulative>()

  /** The rate (nanocores) and window (ms) of `cpu` at `key`, or undefined when unknown yet. */
  rate(key: string, cpu: KubeletCpu | undefined, start: number, fallbackWindowMs: number) {
    const time = Date.parse(cpu?.time ?? "")
    const nanos = cpu?.usageCoreNanoSeconds
    if (nanos === undefined || Number.isNaN(time)) {
      const r = cpu?.usageNanoCores
      return r === undefined ? undefined : { nanoCores: r, windowMs: fallbackWindowMs, time: Date.now() }
    }
    this.#next.set(key, { time, nanos, start })
    const prev = this.#prev.get(key)
    const base = prev && prev.start === start && prev.time < time ? prev : undefined
    if (base)
      return {
        nanoCores: ((nanos - base.nanos) / (time - base.time)) * 1e3,
        windowMs: time - base.time,
        time,
      }
    if (!Number.isNaN(start) && start < time) {
      return { nanoCores: (nanos / (time - start)) * 1e3, windowMs: time - start, time }
    }
    if (cpu?.usageNanoCores !== undefined)
      return { nanoCores: cpu.usageNanoCores, windowMs: fallbackWindowMs, time }
    return undefined
  }

  /** Keeps this round's figures for the next (call after every node of a round was read). */
  commit(): void {
    this.#prev = this.#next
    this.#next = new Map()
  }
}

/** The points of one node's summary. */
export function pointsOf(
  nodeName: string,
  s: KubeletSummary,
  rates: RateTracker,
  resolutionMs: number,
): { node?: NodePoint; pods: PodPoint[] } {
  const boot = Date.parse(s.node.startTime ?? "")
  const n = rates.rate(`${nodeName}/`, s.node.cpu, boot, resolutionMs)
  const node: NodePoint | undefined = n
    ? {
        name: nodeName,
        timestamp: n.time,
        windowMs: n.windowMs,
        cpuNanoCores: n.nanoCores,
        memoryBytes: s.node.memory?.workingSetBytes ?? 0,
      }
    : undefined
  const pods: PodPoint[] = []
  for (const p of s.pods ?? []) {
    const ns = p.podRef.namespace
    const containers: PodPoint["containers"][number][] = []
    let timestamp = 0
    let windowMs = 0
    let complete = (p.containers ?? []).length > 0
    for (const c of p.containers ?? []) {
      const key = `${nodeName}/${ns}/${p.podRef.name}/${c.name}`
      const r = rates.rate(key, c.cpu, Date.parse(c.startTime ?? ""), resolutionMs)
      if (!r) complete = false
      else {
        timestamp = Math.max(timestamp, r.time)
        windowMs = Math.max(windowMs, r.windowMs)
        containers.push({
          name: c.name,
          cpuNanoCores: r.nanoCores,
          memoryBytes: c.memory?.workingSetBytes ?? 0,
        })
      }
    }
    if (complete) pods.push({ namespace: ns, name: p.podRef.name, timestamp, windowMs, containers })
  }
  return { ...(node ? { node } : {}), pods }
}

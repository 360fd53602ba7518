/**
 * The kubelet's `/metrics/cadvisor`: cAdvisor's container metrics, the series Prometheus setups
 * (kube-prometheus and the like) scrape from every node — per container, per pod (container="")
 * and for the node's root ("/"), with cAdvisor's names, labels, help texts and sample times,
 * from the same usage the summary reports. `id` names the container the way cAdvisor does under
 * the cgroupfs driver (/kubepods/pod<uid>/<container id>); `name` is the container ID.
 */
import { cpus, totalmem } from "node:os"
import { Exposition, type Family } from "./exposition.ts"
import type { CpuStats, MemoryStats, Summary } from "./summary-types.ts"

/** What the runtime knows of a running container: its ID and image. */
export interface ContainerIdentity {
  readonly id: string
  readonly image: string
}

/** The runtime's container `name` of pod `namespace`/`pod`, if it runs. */
export type ContainerLookup = (namespace: string, pod: string, name: string) => ContainerIdentity | undefined

const SERIES: readonly Family[] = [
  ["container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds."],
  ["container_last_seen", "gauge", "Last time a container was seen by the exporter"],
  ["container_memory_rss", "gauge", "Size of RSS in bytes."],
  [
    "container_memory_usage_bytes",
    "gauge",
    "Current memory usage in bytes, including all memory regardless of when it was accessed",
  ],
  ["container_memory_working_set_bytes", "gauge", "Current working set in bytes."],
  ["container_start_time_seconds", "gauge", "Start time of the container since unix epoch in seconds."],
  ["machine_cpu_cores", "gauge", "Number of logical CPU cores."],
  ["machine_memory_bytes", "gauge", "Amount of memory installed on the machine."],
]

interface Row {
  readonly container: string
  readonly id: string
  readonly image: string
  readonly name: string
  readonly namespace: string
  readonly pod: string
}

/** Formats a summary as /metrics/cadvisor at time `now` (ms). */
export function cadvisorMetricsText(s: Summary, lookup: ContainerLookup, now: number): string {
  const out = new Exposition(SERIES)
  const add = (name: string, l: Record<string, string>, value: number, ms: number) =>
    out.add(name, l, value, ms)
  const usage = (row: Row, cpu: CpuStats, mem: MemoryStats, start: string) => {
    const ms = Date.parse(cpu.time) || now
    add(
      "container_cpu_usage_seconds_total",
      { container: row.container, cpu: "total", ...rest(row) },
      cpu.usageCoreNanoSeconds / 1e9,
      ms,
    )
    add("container_last_seen", { ...row }, Math.floor(now / 1000), now)
    add("container_memory_rss", { ...row }, mem.rssBytes, ms)
    add("container_memory_usage_bytes", { ...row }, mem.usageBytes, ms)
    add("container_memory_working_set_bytes", { ...row }, mem.workingSetBytes, ms)
    add("container_start_time_seconds", { ...row }, Date.parse(start) / 1000, ms)
  }
  const root: Row = { container: "", id: "/", image: "", name: "", namespace: "", pod: "" }
  usage(root, s.node.cpu, s.node.memory, s.node.startTime)
  for (const p of s.pods) {
    const { namespace, name: pod, uid } = p.podRef
    const podId = `/kubepods/pod${uid}`
    usage({ container: "", id: podId, image: "", name: "", namespace, pod }, p.cpu, p.memory, p.startTime)
    for (const c of p.containers) {
      const known = lookup(namespace, pod, c.name)
      if (!known) continue
      const row = {
        container: c.name,
        id: `${podId}/${known.id}`,
        image: known.image,
        name: known.id,
        namespace,
        pod,
      }
      usage(row, c.cpu, c.memory, c.startTime)
    }
  }
  out.add("machine_cpu_cores", {}, cpus().length)
  out.add("machine_memory_bytes", {}, totalmem())
  return out.text()
}

/** The labels after `container` (and `cpu`), in cAdvisor's alphabetical order. */
function rest(row: Row): Omit<Row, "container"> {
  return { id: row.id, image: row.image, name: row.name, namespace: row.namespace, pod: row.pod }
}

/**
 * The kubelet's `/metrics/resource`: the summary's CPU and memory in the Prometheus text format,
 * as upstream's resource metrics collector declares them (names, labels, HELP with the
 * stability level: STABLE but for the swap families, which k8ts has no figures for). Its
 * scrape_error (ALPHA, deprecated in 1.29) is hidden since, resource_scrape_error replaces it.
 */
import { kubeHelp } from "../../util/index.ts"
import { Exposition, type Family } from "./exposition.ts"
import type { Summary } from "./summary-types.ts"

const HELP: readonly Family[] = [
  [
    "container_cpu_usage_seconds_total",
    "counter",
    kubeHelp("STABLE", "Cumulative cpu time consumed by the container in core-seconds"),
  ],
  [
    "container_memory_working_set_bytes",
    "gauge",
    kubeHelp("STABLE", "Current working set of the container in bytes"),
  ],
  [
    "container_start_time_seconds",
    "gauge",
    kubeHelp("STABLE", "Start time of the container since unix epoch in seconds"),
  ],
  [
    "node_cpu_usage_seconds_total",
    "counter",
    kubeHelp("STABLE", "Cumulative cpu time consumed by the node in core-seconds"),
  ],
  ["node_memory_working_set_bytes", "gauge", kubeHelp("STABLE", "Current working set of the node in bytes")],
  [
    "pod_cpu_usage_seconds_total",
    "counter",
    kubeHelp("STABLE", "Cumulative cpu time consumed by the pod in core-seconds"),
  ],
  ["pod_memory_working_set_bytes", "gauge", kubeHelp("STABLE", "Current working set of the pod in bytes")],
  [
    "resource_scrape_error",
    "gauge",
    kubeHelp("STABLE", "1 if there was an error while getting container metrics, 0 otherwise"),
  ],
]

/** Formats a summary as /metrics/resource. */
export function resourceMetricsText(s: Summary): string {
  const out = new Exposition(HELP)
  const add = (name: string, l: Record<string, string>, value: number, time?: string) =>
    out.add(name, l, value, time ? Date.parse(time) : undefined)
  for (const p of s.pods) {
    const pl = { namespace: p.podRef.namespace, pod: p.podRef.name }
    for (const c of p.containers) {
      const l = { container: c.name, ...pl }
      add("container_cpu_usage_seconds_total", l, c.cpu.usageCoreNanoSeconds / 1e9, c.cpu.time)
      add("container_memory_working_set_bytes", l, c.memory.workingSetBytes, c.memory.time)
      add("container_start_time_seconds", l, Date.parse(c.startTime) / 1000)
    }
    add("pod_cpu_usage_seconds_total", pl, p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time)
    add("pod_memory_working_set_bytes", pl, p.memory.workingSetBytes, p.memory.time)
  }
  add("node_cpu_usage_seconds_total", {}, s.node.cpu.usageCoreNanoSeconds / 1e9, s.node.cpu.time)
  add("node_memory_working_set_bytes", {}, s.node.memory.workingSetBytes, s.node.memory.time)
  add("resource_scrape_error", {}, 0)
  return out.text()
}

/**
 * The kubelet's Prometheus metrics, declared as upstream declares them (names, HELP texts with
 * their stability level, labels, buckets): running pods and containers, pod start and pod worker
 * durations, container runtime operations (counts, errors, latency) on /metrics, and the
 * prober's results (with the process start time, as upstream's registry there) on
 * /metrics/probes. Each kubelet has its own registries, so several kubelets can live in one
 * process.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client"
import { kubeHelp } from "../../util/index.ts"
import type { ProbeKind } from "../probes.ts"

/** What the gauges read when scraped. */
export interface KubeletGaugeSource {
  /** Pods with a sandbox that have not finished. */
  runningPods(): number
  /** The kubelet's containers by state ("running", "exited", "created", "unknown"). */
  containersByState(): ReadonlyMap<string, number>
}

/** How a pod sync is labelled (upstream's SyncPodType). */
export type SyncType = "create" | "update" | "sync" | "kill"

const PROBE_NAME: Record<ProbeKind, string> = {
  liveness: "Liveness",
  readiness: "Readiness",
  startup: "Startup",
}

/** Identifies the container a probe ran against. */
export interface ProbeTarget {
  readonly namespace: string
  readonly pod: string
  readonly podUid: string
  readonly container: string
}

/** One kubelet's metrics. */
export class KubeletMetrics {
  /** Served on /metrics. */
  readonly registry = new Registry()
  /** Served on /metrics/probes. */
  readonly probeRegistry = new Registry()
  readonly #podStart: Histogram
  readonly #podWorker: Histogram<"operation_type">
  readonly #ops: Counter<"operation_type">
  readonly #opErrors: Counter<"operation_type">
  readonly #opLatency: Histogram<"operation_type">
  readonly #probes: Counter<"probe_type" | "result" | "container" | "pod" | "namespace" | "pod_uid">
  readonly #probeLatency: Histogram<"probe_type" | "container" | "pod" | "namespace">

  constructor(source: KubeletGaugeSource) {
    const registers = [this.registry]
    new Gauge({
      name: "kubelet_running_pods",
      help: kubeHelp("ALPHA", "Number of pods that have a running pod sandbox"),
      registers,
      collect() {
        this.set(source.runningPods())
      },
    })
    new Gauge({
      name: "kubelet_running_containers",
      help: kubeHelp("ALPHA", "Number of containers currently running"),
      labelNames: ["container_state"],
      registers,
      collect() {
        this.reset()
        for (const [state, n] of source.containersByState()) this.set({ container_state: state }, n)
      },
    })
    this.#podStart = new Histogram({
      name: "kubelet_pod_start_duration_seconds",
      help: kubeHelp(
        "ALPHA",
        "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run",
      ),
      buckets: [
        0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800,
        2700, 3600,
      ],
      registers,
    })
    this.#podWorker = new Histogram({
      name: "kubelet_pod_worker_duration_seconds",
      help: kubeHelp(
        "ALPHA",
        "Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync",
      ),
      labelNames: ["operation_type"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    })
    this.#ops = new Counter({
      name: "kubelet_runtime_operations_total",
      help: kubeHelp("ALPHA", "Cumulative number of runtime operations by operation type."),
      labelNames: ["operation_type"],
      registers,
    })
    this.#opErrors = new Counter({
      name: "kubelet_runtime_operations_errors_total",
      help: kubeHelp("ALPHA", "Cumulative number of runtime operation errors by operation type."),
      labelNames: ["operation_type"],
      registers,
    })
    this.#opLatency = new Histogram({
      name: "kubelet_runtime_operations_duration_seconds",
      help: kubeHelp("ALPHA", "Duration in seconds of runtime operations. Broken down by operation type."),
      labelNames: ["operation_type"],
      buckets: Array.from({ length: 14 }, (_, i) => 0.005 * 2.5 ** i),
      registers,
    })
    new Gauge({
      name: "process_start_time_seconds",
      help: kubeHelp("ALPHA", "Start time of the process since unix epoch in seconds."),
      registers: [this.probeRegistry],
    }).set(performance.timeOrigin / 1000)
    this.#probes = new Counter({
      name: "prober_probe_total",
      help: kubeHelp(
        "BETA",
        "Cumulative number of a liveness, readiness or startup probe for a container by result.",
      ),
      labelNames: ["probe_type", "result", "container", "pod", "namespace", "pod_uid"],
      registers: [this.probeRegistry],
    })
    this.#probeLatency = new Histogram({
      name: "prober_probe_duration_seconds",
      help: kubeHelp("ALPHA", "Duration in seconds for a probe response."),
      labelNames: ["probe_type", "container", "pod", "namespace"],
      registers: [this.probeRegistry],
    })
  }

  /** A pod ran for the first time `seconds` after the kubelet first saw it. */
  podStarted(seconds: number): void {
    this.#podStart.observe(seconds)
  }

  /** One pod sync took `seconds`. */
  podWorker(type: SyncType, seconds: number): void {
    this.#podWorker.observe({ operation_type: type }, seconds)
  }

  /** One runtime operation finished (failed when `failed`). */
  runtimeOperation(type: string, seconds: number, failed: boolean): void {
    this.#ops.inc({ operation_type: type })
    this.#opLatency.observe({ operation_type: type }, seconds)
    if (failed) this.#opErrors.inc({ operation_type: type })
  }

  /** One probe ran. */
  probe(kind: ProbeKind, t: ProbeTarget, ok: boolean, seconds: number): void {
    const probe_type = PROBE_NAME[kind]
    const { namespace, pod, container } = t
    this.#probes.inc({
      probe_type,
      result: ok ? "successful" : "failed",
      container,
      pod,
      namespace,
      pod_uid: t.podUid,
    })
    this.#probeLatency.observe({ probe_type, container, pod, namespace }, seconds)
  }
}

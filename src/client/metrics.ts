/**
 * Prometheus metrics of a controller manager's work queues and reconciles, read from the
 * controllers' counters at each scrape: upstream's workqueue_* families (label `name` = the
 * controller) as component-base declares them in 1.35 (ALPHA), and k8ts's own under k8ts_ (no
 * upstream family counts keys in progress, reconciles or loop restarts).
 */
import { Counter, Gauge, type Registry } from "prom-client"
import { kubeHelp } from "../util/index.ts"
import type { ControllerHealth } from "./manager.ts"

/** What the metrics read: a manager's per-controller health. */
export interface HealthSource {
  health(): ControllerHealth[]
}

/** A counter that follows a monotonic reading: each scrape adds what the reading gained. */
function followingCounter(
  registry: Registry,
  name: string,
  help: string,
  source: HealthSource,
  read: (h: ControllerHealth) => number,
): Counter<"name"> {
  const seen = new Map<string, number>()
  return new Counter({
    name,
    help,
    labelNames: ["name"],
    registers: [registry],
    collect() {
      for (const h of source.health()) {
        const now = read(h)
        const gained = now - (seen.get(h.name) ?? 0)
        // Every queue's series exists from its start, at 0, as upstream's are made with the queue.
        this.inc({ name: h.name }, Math.max(0, gained))
        seen.set(h.name, now)
      }
    },
  })
}

/** Registers the work-queue and reconcile metrics of `source` in `registry`. */
export function registerControllerMetrics(registry: Registry, source: HealthSource): void {
  new Gauge({
    name: "workqueue_depth",
    help: kubeHelp("ALPHA", "Current depth of workqueue"),
    labelNames: ["name"],
    registers: [registry],
    collect() {
      for (const h of source.health()) this.set({ name: h.name }, h.depth)
    },
  })
  new Gauge({
    name: "k8ts_workqueue_unfinished_work",
    help: "Keys being processed that have not finished",
    labelNames: ["name"],
    registers: [registry],
    collect() {
      for (const h of source.health()) this.set({ name: h.name }, h.processing)
    },
  })
  followingCounter(
    registry,
    "workqueue_adds_total",
    kubeHelp("ALPHA", "Total number of adds handled by workqueue"),
    source,
    (h) => h.adds,
  )
  followingCounter(
    registry,
    "workqueue_retries_total",
    kubeHelp("ALPHA", "Total number of retries handled by workqueue"),
    source,
    (h) => h.retries,
  )
  followingCounter(
    registry,
    "k8ts_controller_reconcile_errors_total",
    "Total number of reconcile errors per controller",
    source,
    (h) => h.failures,
  )
  followingCounter(
    registry,
    "k8ts_controller_reconcile_total",
    "Total number of reconciles per controller",
    source,
    (h) => h.reconciles,
  )
  new Gauge({
    name: "k8ts_controller_restarts",
    help: "How often each controller loop was restarted after a crash",
    labelNames: ["name"],
    registers: [registry],
    collect() {
      for (const h of source.health()) this.set({ name: h.name }, h.restarts)
    },
  })
}

import assert from "node:assert/strict"
import { test } from "node:test"
import { Registry } from "prom-client"
import { prometheusText } from "../util/index.ts"
import type { ControllerHealth } from "./manager.ts"
import { registerControllerMetrics } from "./metrics.ts"

function health(name: string, h: Partial<ControllerHealth>): ControllerHealth {
  return {
    name,
    state: "running",
    restarts: 0,
    depth: 0,
    processing: 0,
    delayed: 0,
    adds: 0,
    retries: 0,
    reconciles: 0,
    failures: 0,
    ...h,
  }
}

test("registerControllerMetrics() reads the controllers at each scrape under upstream's and k8ts's names", async () => {
  const registry = new Registry()
  let now = [health("deployment", { depth: 2, adds: 5, reconciles: 4, processing: 1 })]
  registerControllerMetrics(registry, { health: () => now })
  const first = await prometheusText(registry)
  assert.match(first, /^# HELP workqueue_depth \[ALPHA\] Current depth of workqueue$/m)
  assert.match(first, /^workqueue_depth\{name="deployment"\} 2$/m)
  assert.match(first, /^# HELP workqueue_adds_total \[ALPHA\] Total number of adds handled by workqueue$/m)
  assert.match(first, /^workqueue_adds_total\{name="deployment"\} 5$/m)
  assert.match(first, /^k8ts_workqueue_unfinished_work\{name="deployment"\} 1$/m)
  assert.match(first, /^k8ts_controller_reconcile_total\{name="deployment"\} 4$/m)
  // A queue's counters exist from its start, at 0, as upstream's.
  assert.match(first, /^workqueue_retries_total\{name="deployment"\} 0$/m)
  assert.match(first, /^k8ts_controller_reconcile_errors_total\{name="deployment"\} 0$/m)
  // Nothing upstream-named that upstream does not declare.
  assert.doesNotMatch(first, /^(workqueue_unfinished_work|controller_reconcile)/m)
  // The counters follow the readings: a scrape adds what they gained since the last one.
  now = [health("deployment", { adds: 9, reconciles: 7, failures: 1 })]
  const second = await prometheusText(registry)
  assert.match(second, /^workqueue_adds_total\{name="deployment"\} 9$/m)
  assert.match(second, /^k8ts_controller_reconcile_total\{name="deployment"\} 7$/m)
  assert.match(second, /^k8ts_controller_reconcile_errors_total\{name="deployment"\} 1$/m)
})

import assert from "node:assert/strict"
import { test } from "node:test"
import { Counter, Histogram, Registry } from "prom-client"
import { SeriesCounter, SeriesHistogram } from "./metric-series.ts"

const BOUNDS = [0.005, 0.025, 0.1, 1, 10]
const LABELS = [
  { verb: "POST", resource: "pods", code: "201" },
  { verb: "GET", resource: "pods", code: "200" },
  { verb: "GET", resource: 'nodes\n\\"x', code: "404" },
]

type Recording = (count: (i: number) => void, observe: (i: number, v: number) => void) => void

/** Both kinds of metric, in two registries, and how to record the same into both. */
function both() {
  const theirs = new Registry()
  const counter = new Counter({
    name: "c_total",
    help: "c",
    labelNames: ["verb", "resource", "code"],
    registers: [theirs],
  })
  const hist = new Histogram({
    name: "h",
    help: "h",
    labelNames: ["verb", "resource", "code"],
    buckets: BOUNDS,
    registers: [theirs],
  })
  const ours = new Registry()
  const seriesCounter = new SeriesCounter("c_total", "c", [ours])
  const seriesHist = new SeriesHistogram("h", "h", BOUNDS, [ours])
  const counters = LABELS.map((l) => ({ theirs: counter.labels(l), ours: seriesCounter.series(l) }))
  const hists = LABELS.map((l) => ({ theirs: hist.labels(l), ours: seriesHist.series(l) }))
  const run = (r: Recording) =>
    r(
      (i) => {
        counters[i]?.theirs.inc()
        counters[i]?.ours.inc()
      },
      (i, v) => {
        hists[i]?.theirs.observe(v)
        hists[i]?.ours.observe(v)
      },
    )
  return { theirs, ours, run }
}

test("SeriesCounter and SeriesHistogram read as prom-client's Counter and Histogram", async () => {
  const { theirs, ours, run } = both()
  const record: Recording = (count, observe) => {
    // The second label set first: series come in the order first recorded.
    for (const [i, v] of [
      [1, 0.001],
      [0, 0.005],
      [0, 0.0051],
      [1, 3],
      [0, 99],
      [1, 0],
      [2, 1e-9],
    ] as const) {
      count(i)
      observe(i, v)
    }
  }
  assert.equal(await ours.metrics(), await theirs.metrics(), "before anything")
  run(record)
  const text = await ours.metrics()
  assert.equal(text, await theirs.metrics())
  assert.match(text, /h_bucket\{le="0.025",verb="POST",resource="pods",code="201"\} 2/)
  assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON())
  // After a reset series are gone until recorded again, then start from nothing.
  theirs.resetMetrics()
  ours.resetMetrics()
  assert.equal(await ours.metrics(), await theirs.metrics(), "after a reset")
  run((count, observe) => {
    count(2)
    observe(2, 0.5)
    count(0)
  })
  assert.equal(await ours.metrics(), await theirs.metrics(), "recorded after a reset")
  assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON())
})

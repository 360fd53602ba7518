/**
 * The Prometheus text exposition as upstream's Go servers write it (client_golang's Gather and
 * expfmt's text encoder), from a prom-client registry's metrics: families sorted by name, those
 * without samples left out, no blank line between families; each sample's labels sorted by
 * name, with a histogram's `le` or a summary's `quantile` last; samples sorted by their label
 * values; numbers as strconv.FormatFloat(v, 'g', -1, 64) prints them (`1.234567e+06`).
 * prom-client's own `metrics()` keeps registration order, separates families with blank lines
 * and keeps labels as declared, so dashboards' scrapers see a different text.
 */
import type { MetricObjectWithValues, MetricValue, Registry } from "prom-client"
import { goFormatFloat } from "./go-strconv.ts"

/** The Content-Type promhttp answers a text scrape (or any Accept) with. */
export const PROMETHEUS_TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

/**
 * One family as prom-client's `get()` gives it (a histogram's `le` among its labels); a counter's
 * or gauge's sample may carry the time it was taken (ms since the epoch), written after it.
 */
export type MetricFamily = MetricObjectWithValues<
  MetricValue<string> & { metricName?: string; timestampMs?: number }
>

/** What a histogram or summary keeps per label set until it is written. */
interface Series {
  readonly labels: [string, string][]
  /** Bucket (`le`) or quantile lines: the bound and the value. */
  readonly points: [number, number][]
  sum?: number
  count?: number
}

/** `v` as expfmt's writeFloat writes it (`-0` too is `0`). */
function num(v: number): string {
  return v === 0 ? "0" : goFormatFloat(v)
}

/** A HELP text or label value escaped as expfmt escapes it (quotes only in label values). */
function escape(s: string, quotes: boolean): string {
  const out = s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
  return quotes ? out.replace(/"/g, '\\"') : out
}

/**
 * Go's string order (UTF-8 bytes): UTF-16 code units, except that a surrogate (a code point
 * past U+FFFF) sorts after every other unit.
 */
function compareGo(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    const xs = x >= 0xd800 && x <= 0xdfff
    const ys = y >= 0xd800 && y <= 0xdfff
    if (xs !== ys) return xs ? 1 : -1
    return x - y
  }
  return a.length - b.length
}

/** The label pairs of `labels` but `skip`, sorted by name. */
function pairsOf(labels: Readonly<Record<string, unknown>>, skip?: string): [string, string][] {
  const out: [string, string][] = []
  for (const [k, v] of Object.entries(labels)) if (k !== skip && v !== undefined) out.push([k, String(v)])
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** client_golang's metric order: fewer labels first, then label values in label-name order. */
function compareSeries(a: readonly [string, string][], b: readonly [string, string][]): number {
  if (a.length !== b.length) return a.length - b.length
  for (let i = 0; i < a.length; i++) {
    const c = compareGo((a[i] as [string, string])[1], (b[i] as [string, string])[1])
    if (c !== 0) return c
  }
  return 0
}

/** `name{a="x",b="y",extra="v"} value [timestamp]`. */
function sample(
  name: string,
  pairs: readonly [string, string][],
  value: number,
  extra?: string,
  timestampMs?: number,
): string {
  const parts = pairs.map(([k, v]) => `${k}="${escape(v, true)}"`)
  if (extra !== undefined) parts.push(extra)
  const at = timestampMs === undefined ? "" : ` ${Math.trunc(timestampMs)}`
  return `${name}${parts.length ? `{${parts.join(",")}}` : ""} ${num(value)}${at}`
}

/** The bound a histogram's `le` or a summary's `quantile` label holds ("+Inf" included). */
function boundOf(v: unknown): number {
  return v === "+Inf" ? Infinity : Number(v)
}

/** A histogram's or summary's samples, grouped back into series and written in Go's order. */
function distributionLines(f: MetricFamily, bound: "le" | "quantile"): string[] {
  const series = new Map<string, Series>()
  for (const v of f.values) {
    const labels = pairsOf(v.labels, bound)
    const key = JSON.stringify(labels)
    let s = series.get(key)
    if (!s) series.set(key, (s = { labels, points: [] }))
    const suffix = (v.metricName ?? f.name).slice(f.name.length)
    if (suffix === "_sum") s.sum = v.value
    else if (suffix === "_count") s.count = v.value
    else s.points.push([boundOf((v.labels as Record<string, unknown>)[bound]), v.value])
  }
  const out: string[] = []
  const name = bound === "le" ? `${f.name}_bucket` : f.name
  for (const s of [...series.values()].sort((a, b) => compareSeries(a.labels, b.labels))) {
    const points = s.points.sort(([a], [b]) => a - b)
    for (const [at, value] of points) out.push(sample(name, s.labels, value, `${bound}="${num(at)}"`))
    // expfmt writes the +Inf bucket from the count when the buckets lack it.
    if (bound === "le" && points.at(-1)?.[0] !== Infinity)
      out.push(sample(name, s.labels, s.count ?? 0, `le="+Inf"`))
    out.push(sample(`${f.name}_sum`, s.labels, s.sum ?? 0), sample(`${f.name}_count`, s.labels, s.count ?? 0))
  }
  return out
}

/** The exposition of `families` (prom-client's `get()` results). */
export function formatPrometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const f of [...families].sort((a, b) => compareGo(a.name, b.name))) {
    if (f.values.length === 0) continue
    const type = String(f.type)
    lines.push(`# HELP ${f.name} ${escape(f.help, false)}`, `# TYPE ${f.name} ${type}`)
    if (type === "histogram") lines.push(...distributionLines(f, "le"))
    else if (type === "summary") lines.push(...distributionLines(f, "quantile"))
    else {
      const rows = f.values.map((v) => ({ pairs: pairsOf(v.labels), value: v.value, at: v.timestampMs }))
      rows.sort((a, b) => compareSeries(a.pairs, b.pairs))
      for (const r of rows) lines.push(sample(f.name, r.pairs, r.value, undefined, r.at))
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : ""
}

/** The exposition of every metric in `registry` (its collect functions run first). */
export async function prometheusText(registry: Registry): Promise<string> {
  return formatPrometheusText((await registry.getMetricsAsJSON()) as MetricFamily[])
}

import assert from "node:assert/strict"
import { test } from "node:test"
import { Counter, Gauge, Histogram, Registry, Summary } from "prom-client"
import { formatPrometheusText, prometheusText } from "./prometheus-text.ts"

test("prometheusText() writes a registry as client_golang's Gather and expfmt's text encoder do", async () => {
  const registry = new Registry()
  const registers = [registry]
  // Registered out of name order, labels declared out of name order.
  const requests = new Counter({
    name: "zeta_requests_total",
    help: "[STABLE] Requests by verb and code.",
    labelNames: ["verb", "code"],
    registers,
  })
  requests.inc({ verb: "POST", code: "201" })
  requests.inc({ verb: "GET", code: "200" }, 1234567)
  requests.inc({ verb: "GET", code: "404" })
  new Counter({ name: "never_total", help: "A vector nothing was counted in.", labelNames: ["x"], registers })
  new Gauge({ name: "alpha_bytes", help: "A plain gauge.", registers }).set(42156032)
  const latency = new Histogram({
    name: "mid_seconds",
    help: "[ALPHA] Latency by b and a.",
    labelNames: ["b", "a"],
    buckets: [0.005, 0.5, 2.5],
    registers,
  })
  latency.observe({ b: "y", a: "1" }, 0.25)
  latency.observe({ b: "y", a: "1" }, 3)
  latency.observe({ b: "x", a: "2" }, 0.001)
  new Gauge({
    name: "escaped",
    help: 'Back\\slash and\nnewline, "quotes" kept.',
    labelNames: ["path"],
    registers,
  }).set({ path: 'C:\\dir\n"q"' }, -0.00001)
  const quantiles = new Summary({
    name: "quantiles_seconds",
    help: "A summary.",
    percentiles: [0.5, 0.9],
    registers,
  })
  quantiles.observe(1)

  const want = [
    "# HELP alpha_bytes A plain gauge.",
    "# TYPE alpha_bytes gauge",
    "alpha_bytes 4.2156032e+07",
    '# HELP escaped Back\\\\slash and\\nnewline, "quotes" kept.',
    "# TYPE escaped gauge",
    'escaped{path="C:\\\\dir\\n\\"q\\""} -1e-05',
    "# HELP mid_seconds [ALPHA] Latency by b and a.",
    "# TYPE mid_seconds histogram",
    'mid_seconds_bucket{a="1",b="y",le="0.005"} 0',
    'mid_seconds_bucket{a="1",b="y",le="0.5"} 1',
    'mid_seconds_bucket{a="1",b="y",le="2.5"} 1',
    'mid_seconds_bucket{a="1",b="y",le="+Inf"} 2',
    'mid_seconds_sum{a="1",b="y"} 3.25',
    'mid_seconds_count{a="1",b="y"} 2',
    'mid_seconds_bucket{a="2",b="x",le="0.005"} 1',
    'mid_seconds_bucket{a="2",b="x",le="0.5"} 1',
    'mid_seconds_bucket{a="2",b="x",le="2.5"} 1',
    'mid_seconds_bucket{a="2",b="x",le="+Inf"} 1',
    'mid_seconds_sum{a="2",b="x"} 0.001',
    'mid_seconds_count{a="2",b="x"} 1',
    "# HELP quantiles_seconds A summary.",
    "# TYPE quantiles_seconds summary",
    'quantiles_seconds{quantile="0.5"} 1',
    'quantiles_seconds{quantile="0.9"} 1',
    "quantiles_seconds_sum 1",
    "quantiles_seconds_count 1",
    "# HELP zeta_requests_total [STABLE] Requests by verb and code.",
    "# TYPE zeta_requests_total counter",
    'zeta_requests_total{code="200",verb="GET"} 1.234567e+06',
    'zeta_requests_total{code="201",verb="POST"} 1',
    'zeta_requests_total{code="404",verb="GET"} 1',
    "",
  ].join("\n")
  assert.equal(await prometheusText(registry), want)
})

test("formatPrometheusText() sorts in Go's byte order and adds a missing +Inf bucket", () => {
  const text = formatPrometheusText([
    {
      name: "b",
      help: "h",
      type: "gauge" as never,
      aggregator: "sum",
      collect: () => {},
      // U+FF5E sorts after U+1F600's surrogates in UTF-16, before them in UTF-8.
      values: [
        { value: 1, labels: { l: "\u{1F600}" } },
        { value: 2, labels: { l: "\uFF5E" } },
        { value: 3, labels: {} },
      ],
    },
    {
      name: "a",
      help: "h",
      type: "histogram" as never,
      aggregator: "sum",
      collect: () => {},
      values: [
        { value: 2, labels: { le: 1 }, metricName: "a_bucket" },
        { value: 1.5, labels: {}, metricName: "a_sum" },
        { value: 3, labels: {}, metricName: "a_count" },
      ],
    },
  ])
  assert.equal(
    text,
    [
      "# HELP a h",
      "# TYPE a histogram",
      'a_bucket{le="1"} 2',
      'a_bucket{le="+Inf"} 3',
      "a_sum 1.5",
      "a_count 3",
      "# HELP b h",
      "# TYPE b gauge",
      "b 3",
      'b{l="\uFF5E"} 2',
      'b{l="\u{1F600}"} 1',
      "",
    ].join("\n"),
  )
})

test("formatPrometheusText() of no samples is empty", () => {
  assert.equal(formatPrometheusText([]), "")
})

test("formatPrometheusText() writes a sample's time after its value, as expfmt writes TimestampMs", () => {
  const text = formatPrometheusText([
    {
      name: "c_total",
      help: "h",
      type: "counter" as never,
      aggregator: "sum",
      collect: () => {},
      values: [
        { value: 3.5, labels: { pod: "b" }, timestampMs: 1767225600123 },
        { value: 1e7, labels: { pod: "a" } },
      ],
    },
  ])
  assert.equal(
    text,
    [
      "# HELP c_total h",
      "# TYPE c_total counter",
      'c_total{pod="a"} 1e+07',
      'c_total{pod="b"} 3.5 1767225600123',
      "",
    ].join("\n"),
  )
})

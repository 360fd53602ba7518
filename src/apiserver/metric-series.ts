/**
 * A counter and a histogram whose label sets are resolved once: a series handle adds to its own
 * numbers, where prom-client's children hash and check their labels on every call (about a
 * microsecond per request for the request metrics). Registered in a prom-client Registry, they
 * read exactly as prom-client's Counter and Histogram do (series in the order first recorded,
 * none until then, all gone on reset).
 */
import type { Registry } from "prom-client"

/** One label set of a SeriesCounter. */
export interface CounterSeries {
  inc(): void
}

/** One label set of a SeriesHistogram. */
export interface HistogramSeries {
  observe(value: number): void
}

type Labels = Readonly<Record<string, string>>

interface CounterState {
  readonly labels: Labels
  value: number
  shown: boolean
}

interface HistogramState {
  readonly labels: Labels
  readonly buckets: number[]
  sum: number
  count: number
  shown: boolean
}

/** What a prom-client Registry reads of a metric. */
interface Exposed {
  readonly name: string
  readonly help: string
  readonly type: string
  readonly aggregator: string
}

function register(metric: Exposed & { reset(): void }, registers: readonly Registry[]): void {
  // The Registry reads name, help, type, aggregator, get(), getForPromString() and reset().
  for (const r of registers) r.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0])
}

/** A counter of label sets made once (prom-client's Counter to a Registry). */
export class SeriesCounter implements Exposed {
  readonly type = "counter"
  readonly aggregator = "sum"
  #shown: CounterState[] = []

  constructor(
    readonly name: string,
    readonly help: string,
    registers: readonly Registry[],
  ) {
    register(this, registers)
  }

  /** The series of `labels` (kept: make each once). */
  series(labels: Labels): CounterSeries {
    const s: CounterState = { labels, value: 0, shown: false }
    const shown = () => this.#shown
    return {
      inc() {
        if (!s.shown) {
          s.shown = true
          shown().push(s)
        }
        s.value++
      },
    }
  }

  reset(): void {
    for (const s of this.#shown) {
      s.value = 0
      s.shown = false
    }
    this.#shown = []
  }

  async get() {
    return {
      help: this.help,
      name: this.name,
      type: this.type,
      values: this.#shown.map((s) => ({ value: s.value, labels: s.labels })),
      aggregator: this.aggregator,
    }
  }
}

/** A histogram of label sets made once (prom-client's Histogram to a Registry); `bounds` ascending. */
export class SeriesHistogram implements Exposed {
  readonly type = "histogram"
  readonly aggregator = "sum"
  readonly #bounds: readonly number[]
  #shown: HistogramState[] = []

  constructor(
    readonly name: string,
    readonly help: string,
    bounds: readonly number[],
    registers: readonly Registry[],
  ) {
    this.#bounds = [...bounds]
    register(this, registers)
  }

  /** The series of `labels` (kept: make each once). */
  series(labels: Labels): HistogramSeries {
    const bounds = this.#bounds
    const s: HistogramState = { labels, buckets: bounds.map(() => 0), sum: 0, count: 0, shown: false }
    const shown = () => this.#shown
    return {
      observe(value) {
        if (!s.shown) {
          s.shown = true
          shown().push(s)
        }
        // The first bucket the value fits (past the last it counts in +Inf only).
        for (let i = 0; i < bounds.length; i++) {
          if (value <= (bounds[i] as number)) {
            ;(s.buckets[i] as number)++
            break
          }
        }
        s.sum += value
        s.count++
      },
    }
  }

  reset(): void {
    for (const s of this.#shown) {
      s.buckets.fill(0)
      s.sum = 0
      s.count = 0
      s.shown = false
    }
    this.#shown = []
  }

  /** As prom-client's: the series' labels shared, `le` of each bucket apart. */
  async getForPromString() {
    const bucket = `${this.name}_bucket`
    const values: {
      labels: Record<string, string | number>
      sharedLabels: Labels
      value: number
      metricName: string
      exemplar: null | undefined
    }[] = []
    for (const s of this.#shown) {
      let acc = 0
      this.#bounds.forEach((le, i) => {
        acc += s.buckets[i] as number
        values.push({
          labels: { le },
          sharedLabels: s.labels,
          value: acc,
          metricName: bucket,
          exemplar: null,
        })
      })
      values.push(
        {
          labels: { le: "+Inf" },
          sharedLabels: s.labels,
          value: s.count,
          metricName: bucket,
          exemplar: null,
        },
        {
          labels: {},
          sharedLabels: s.labels,
          value: s.sum,
          metricName: `${this.name}_sum`,
          exemplar: undefined,
        },
        {
          labels: {},
          sharedLabels: s.labels,
          value: s.count,
          metricName: `${this.name}_count`,
          exemplar: undefined,
        },
      )
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  /** As prom-client's: each value's labels whole (`le` first). */
  async get() {
    const data = await this.getForPromString()
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    }
  }
}

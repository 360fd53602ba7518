/**
 * The Prometheus text of the kubelet's hand-built endpoints (/metrics/resource,
 * /metrics/cadvisor): samples gathered per metric family, written as upstream's Go collectors
 * are (util's formatPrometheusText: families and samples sorted, labels by name, Go's numbers),
 * each sample with the time it was taken when known.
 */
import { formatPrometheusText, type MetricFamily } from "../../util/index.ts"

/** A metric family: its name, Prometheus type and help text (as its HELP line shows it). */
export type Family = readonly [name: string, type: "counter" | "gauge", help: string]

/** Samples of a fixed set of families. */
export class Exposition {
  readonly #families: readonly Family[]
  readonly #samples: Map<string, MetricFamily["values"]>

  constructor(families: readonly Family[]) {
    this.#families = families
    this.#samples = new Map(families.map(([name]) => [name, []]))
  }

  /** Adds a sample of family `name` (ignored when not in the set), taken at `ms` when given. */
  add(name: string, labels: Record<string, string>, value: number, ms?: number): void {
    this.#samples.get(name)?.push({ labels, value, ...(ms === undefined ? {} : { timestampMs: ms }) })
  }

  /** The exposition text (a family without samples is left out, as client_golang leaves it). */
  text(): string {
    return formatPrometheusText(
      this.#families.map(([name, type, help]) => ({
        name,
        type: type as never,
        help,
        aggregator: "sum",
        collect: () => {},
        values: this.#samples.get(name) ?? [],
      })),
    )
  }
}

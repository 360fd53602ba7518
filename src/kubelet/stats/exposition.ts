/**
 * The Prometheus text format of the kubelet's hand-built endpoints (/metrics/resource,
 * /metrics/cadvisor): samples gathered per metric family, printed family by family with their
 * HELP and TYPE lines.
 */

/** A metric family: its name, Prometheus type and help text. */
export type Family = readonly [name: string, type: string, help: string]

/** A label value escaped for the Prometheus text format. */
export function esc(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
}

/** `{k="v",...}` of `l` in the Prometheus text format ("" when empty). */
export function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`)
  return parts.length ? `{${parts.join(",")}}` : ""
}

/** Samples of a fixed list of families, printed in the list's order. */
export class Exposition {
  readonly #families: readonly Family[]
  readonly #helpPrefix: string
  readonly #samples: Map<string, string[]>

  /** `helpPrefix` goes before every help text (upstream's stability level, e.g. "[ALPHA] "). */
  constructor(families: readonly Family[], helpPrefix = "") {
    this.#families = families
    this.#helpPrefix = helpPrefix
    this.#samples = new Map(families.map(([name]) => [name, []]))
  }

  /** Adds a sample of family `name` (ignored when not in the list), timestamped when `ms` is given. */
  add(name: string, l: Record<string, string>, value: number, ms?: number): void {
    this.#samples.get(name)?.push(`${name}${labels(l)} ${value}${ms === undefined ? "" : ` ${ms}`}`)
  }

  /** The exposition text. */
  text(): string {
    const out: string[] = []
    for (const [name, type, help] of this.#families) {
      out.push(
        `# HELP ${name} ${this.#helpPrefix}${help}`,
        `# TYPE ${name} ${type}`,
        ...(this.#samples.get(name) ?? []),
      )
    }
    return out.join("\n") + "\n"
  }
}

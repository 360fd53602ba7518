/**
 * The resource metrics the API server holds (metrics-server's storage): the latest CPU rate and
 * memory working set of every node, pod and container, with the time and window they cover.
 */

/** CPU (nanocores) and memory (bytes) over a window ending at `timestamp`. */
export interface Usage {
  readonly cpuNanoCores: number
  readonly memoryBytes: number
}

/** A node's usage. */
export interface NodePoint extends Usage {
  readonly name: string
  /** Milliseconds since the epoch. */
  readonly timestamp: number
  readonly windowMs: number
}

/** A pod's usage, per container. */
export interface PodPoint {
  readonly namespace: string
  readonly name: string
  readonly timestamp: number
  readonly windowMs: number
  readonly containers: readonly (Usage & { readonly name: string })[]
}

/** What a kubelet's /stats/summary says, as far as the scraper reads it. */
export interface KubeletSummary {
  readonly node: {
    readonly nodeName: string
    readonly startTime?: string
    readonly cpu?: KubeletCpu
    readonly memory?: { readonly time?: string; readonly workingSetBytes?: number }
  }
  readonly pods?: readonly {
    readonly podRef: { readonly name: string; readonly namespace: string }
    readonly containers?: readonly {
      readonly name: string
      readonly startTime?: string
      readonly cpu?: KubeletCpu
      readonly memory?: { readonly time?: string; readonly workingSetBytes?: number }
    }[]
  }[]
}

/** CPU as the summary reports it. */
export interface KubeletCpu {
  readonly time?: string
  readonly usageNanoCores?: number
  readonly usageCoreNanoSeconds?: number
}

/** The latest points of every node and pod. */
export class MetricsPoints {
  readonly nodes = new Map<string, NodePoint>()
  /** Pod points by node, then "namespace/name". */
  readonly #podsByNode = new Map<string, Map<string, PodPoint>>()

  /** Replaces what `node` reported. */
  put(node: string, point: NodePoint | undefined, pods: readonly PodPoint[]): void {
    if (point) this.nodes.set(node, point)
    else this.nodes.delete(node)
    this.#podsByNode.set(node, new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p])))
  }

  /** Forgets nodes not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const n of [...this.nodes.keys()]) if (!keep.has(n)) this.nodes.delete(n)
    for (const n of [...this.#podsByNode.keys()]) if (!keep.has(n)) this.#podsByNode.delete(n)
  }

  /** Every pod point (of one namespace, when given). */
  pods(namespace?: string): PodPoint[] {
    const out: PodPoint[] = []
    for (const m of this.#podsByNode.values())
      for (const p of m.values()) if (!namespace || p.namespace === namespace) out.push(p)
    return out
  }
}

/**
 * The Tables of metrics.k8s.io's PodMetrics and NodeMetrics, as metrics-server's
 * addPodMetricsToTable and addNodeMetricsToTable print them (`kubectl get podmetrics`): Name, a
 * quantity column for each resource the first item with any usage reports (sorted: cpu, memory),
 * then Window, a Go duration. A pod's usage is its containers' added up, printed as a Quantity
 * prints (canonical, in the first container's format); a resource an item lacks prints "0". The
 * columns come from the items, so no items print no columns.
 */
import {
  type ApiObject,
  type ContainerMetrics,
  type NodeMetrics,
  parseQuantity,
  type PodMetrics,
  type Quantity,
  quantityString,
} from "../../api/index.ts"
import { type ColumnDefinition, column, type Printer } from "./types.ts"

const NAME: ColumnDefinition = column("Name", "string", "Name of the resource", { format: "name" })
const WINDOW: ColumnDefinition = column("Window", "string", "", { format: "duration" })

/** The usage of a PodMetrics (its containers' added up) or a NodeMetrics. */
function usageOf(o: ApiObject): Map<string, Quantity> {
  const out = new Map<string, Quantity>()
  const lists =
    o.kind === "NodeMetrics"
      ? [(o as unknown as NodeMetrics).usage]
      : ((o as unknown as PodMetrics).containers ?? []).map((c: ContainerMetrics) => c.usage)
  for (const usage of lists) {
    for (const [name, text] of Object.entries(usage ?? {})) {
      const q = parseQuantity(text)
      if (!q) continue
      const acc = out.get(name)
      // Quantity.Add takes the added one's format while the sum is zero.
      out.set(
        name,
        !acc || acc.nano === 0n
          ? { nano: (acc?.nano ?? 0n) + q.nano, format: q.format }
          : { ...acc, nano: acc.nano + q.nano },
      )
    }
  }
  return out
}

/** The printer of `objects`, PodMetrics or NodeMetrics, with the columns they call for. */
export function resourceMetricsPrinter(objects: readonly ApiObject[]): Printer {
  let names: string[] | undefined
  for (const o of objects) {
    const usage = usageOf(o)
    if (usage.size > 0) {
      names = [...usage.keys()].sort()
      break
    }
  }
  const resources = names ?? []
  return {
    columns: objects.length
      ? [NAME, ...resources.map((n) => column(n, "string", "", { format: "quantity" })), WINDOW]
      : [],
    cells(o) {
      const usage = usageOf(o)
      const window = (o as unknown as { window?: string }).window ?? ""
      return [
        o.metadata?.name ?? "",
        ...resources.map((n) => {
          const q = usage.get(n)
          return q ? quantityString(q) : "0"
        }),
        window,
      ]
    },
  }
}

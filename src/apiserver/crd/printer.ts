/**
 * The Table printer of a custom resource version: Name, then the version's
 * additionalPrinterColumns evaluated with JSONPath (Age from creationTimestamp when the CRD
 * declares none), with upstream's cell conversions (dates print as ages).
 */
import type { CustomResourceColumnDefinition } from "kubernetes-types/apiextensions/v1.js"
import type { ApiObject } from "../../api/index.ts"
import { type Cell, type ColumnDefinition, type Printer, humanDuration } from "../table/index.ts"
import { DOCS } from "../table/descriptions.ts"
import { NAME_COLUMN } from "../table/types.ts"
import { evalJsonPath } from "./jsonpath.ts"

const DEFAULT_COLUMNS: CustomResourceColumnDefinition[] = [
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: DOCS.creationTimestamp },
]

function text(v: unknown): string {
  if (typeof v === "string") return v
  if (typeof v === "number" || typeof v === "boolean") return String(v)
  return JSON.stringify(v)
}

/** One cell: null when the path selects nothing (kubectl prints `<none>`). */
function cellOf(col: CustomResourceColumnDefinition, obj: ApiObject, now: number): Cell | null {
  const value = evalJsonPath(obj, col.jsonPath)[0]
  if (value === undefined || value === null) return null
  switch (col.type) {
    case "date": {
      const t = typeof value === "string" ? Date.parse(value) : NaN
      return Number.isNaN(t) ? text(value) : humanDuration(now - t)
    }
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : text(value)
    case "number":
    case "boolean":
      return typeof value === "number" || typeof value === "boolean" ? value : text(value)
    default:
      return text(value)
  }
}

/** The printer of a version with these printer columns. */
export function customResourcePrinter(
  columns: readonly CustomResourceColumnDefinition[] | undefined,
): Printer {
  const cols = columns?.length ? columns : DEFAULT_COLUMNS
  const defs: ColumnDefinition[] = [
    NAME_COLUMN,
    ...cols.map((c) => ({
      name: c.name,
      type: c.type as ColumnDefinition["type"],
      format: c.format ?? "",
      description: c.description ?? "",
      priority: c.priority ?? 0,
    })),
  ]
  return {
    columns: defs,
    cells: (o, ctx) => [o.metadata?.name ?? "", ...cols.map((c) => cellOf(c, o, ctx.now) as Cell)],
  }
}

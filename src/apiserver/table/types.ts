/** The shape of a per-kind Table printer: upstream's column definitions and one row of cells per object. */
import type { ApiObject } from "../../api/index.ts"
import type { ObjectMeta } from "kubernetes-types/meta/v1.js"
import { DOCS } from "./descriptions.ts"

/** One Table cell: upstream sends strings, int64 numbers and booleans. */
export type Cell = string | number | boolean

/** A meta.k8s.io/v1 TableColumnDefinition. */
export interface ColumnDefinition {
  readonly name: string
  readonly type: "string" | "integer" | "boolean" | "number" | "date"
  readonly format: string
  readonly description: string
  /** 0 shows always; 1 only with `kubectl get -o wide` (kubectl filters, the server sends all). */
  readonly priority: number
}

/** A meta.k8s.io/v1 TableRowCondition (upstream marks finished pods Completed). */
export interface RowCondition {
  readonly type: "Completed"
  readonly status: "True"
  readonly reason: string
  readonly message: string
}

/** What a printer may read besides the object. */
export interface PrintContext {
  /** The server's clock in ms since the epoch: ages are computed against it. */
  readonly now: number
}

/** What every printed object has: kubernetes-types objects and ApiObject alike. */
export interface Printable {
  readonly metadata?: ObjectMeta | undefined
}

/**
 * A Table printer for one kind. Cells follow `columns` one for one, wide columns included: the
 * server always prints wide, as upstream's TableConvertor does.
 */
export interface Printer<T extends Printable = ApiObject> {
  readonly columns: readonly ColumnDefinition[]
  cells(obj: T, ctx: PrintContext): Cell[]
  conditions?(obj: T): RowCondition[] | undefined
  /** The order rows of a list are printed in, where upstream's list printer sorts (FlowSchemas). */
  compare?(a: T, b: T): number
}

/** Options of column. */
export interface ColumnOptions {
  readonly format?: string
  readonly priority?: number
}

/** A column definition; format "" and priority 0 unless given. */
export function column(
  name: string,
  type: ColumnDefinition["type"],
  description: string,
  opts: ColumnOptions = {},
): ColumnDefinition {
  return { name, type, format: opts.format ?? "", description, priority: opts.priority ?? 0 }
}

/** A wide-only (priority 1) string column. */
export function wide(name: string, description: string): ColumnDefinition {
  return column(name, "string", description, { priority: 1 })
}

/** The Name column every printer starts with. */
export const NAME_COLUMN = column("Name", "string", DOCS.name, { format: "name" })

/** The Age column, printed as a HumanDuration since creationTimestamp. */
export const AGE_COLUMN = column("Age", "string", DOCS.creationTimestamp)

/** The wide Containers and Images columns of workload printers. */
export const CONTAINER_COLUMNS = [
  wide("Containers", "Names of each container in the template."),
  wide("Images", "Images referenced by each container in the template."),
]

/** Widens a typed printer for the registry of printers keyed by group and kind. */
export function printer<T extends Printable>(p: Printer<T>): Printer {
  return p as unknown as Printer
}

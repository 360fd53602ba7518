/** Table output for `kubectl get`: adapts a request's query to the printers in table/. */
import { ApiError, type ApiObject, type ResourceInfo } from "../api/index.ts"
import { type Printer, toTable } from "./table/index.ts"

type IncludeObject = "None" | "Metadata" | "Object"

/** The Content-Type of a Table response. */
export function tableContentType(version: string): string {
  return `application/json;as=Table;v=${version};g=meta.k8s.io`
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get("includeObject") ?? "Metadata"
  if (v !== "None" && v !== "Metadata" && v !== "Object") {
    throw new ApiError(
      "BadRequest",
      `includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`,
    )
  }
  return v
}

/** Options of tableOf. */
export interface TableOptions {
  readonly query: URLSearchParams
  readonly now: number
  /** Omit the column definitions (watch events after the first). */
  readonly noHeaders?: boolean
  readonly resourceVersion?: string | undefined
  readonly listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number }
  /** The printer to use instead of the kind's (custom resources carry their CRD's columns). */
  readonly printer?: Printer | undefined
}

/** The meta.k8s.io/v1 Table of `objects`. */
export function tableOf(info: ResourceInfo, objects: readonly ApiObject[], opts: TableOptions): unknown {
  return toTable({ group: info.group, kind: info.kind }, [...objects], {
    now: opts.now,
    includeObject: includeObjectOf(opts.query),
    noHeaders: !!opts.noHeaders,
    listMeta: opts.listMeta ?? (opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
    printer: opts.printer,
  })
}

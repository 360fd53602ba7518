/** Table conversion: upstream's default table (Name, Created At) until per-kind printers land. */
import type { ApiObject } from "../../api/index.ts"

/** Builds a meta.k8s.io/v1 Table of `objects`. */
export function toTable(
  _kind: { group: string; kind: string },
  objects: ApiObject[],
  opts: {
    now: number
    includeObject: "None" | "Metadata" | "Object"
    noHeaders?: boolean
    listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number }
  },
): unknown {
  const columnDefinitions = opts.noHeaders
    ? []
    : [
        {
          name: "Name",
          type: "string",
          format: "name",
          description: "Name must be unique within a namespace.",
          priority: 0,
        },
        {
          name: "Created At",
          type: "date",
          format: "",
          description:
            "CreationTimestamp is a timestamp representing the server time when this object was created.",
          priority: 0,
        },
      ]
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: opts.listMeta ?? {},
    columnDefinitions,
    rows: objects.map((o) => ({
      cells: [o.metadata?.name ?? "", o.metadata?.creationTimestamp ?? ""],
      ...(opts.includeObject === "None"
        ? {}
        : {
            object:
              opts.includeObject === "Object"
                ? o
                : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata ?? {} },
          }),
    })),
  }
}

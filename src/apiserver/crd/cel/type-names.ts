/**
 * CEL type names as cel-go writes them in messages: `list(int)`, `map(string, dyn)`,
 * `optional_type(int)`, `null_type`, and a runtime value's type (`string`, `kubernetes.URL`).
 */
import { Duration, UnsignedInt } from "@marcbachmann/cel-js/evaluator"

/** A runtime value's CEL type name. */
export function typeNameOf(v: unknown): string {
  if (v === null || v === undefined) return "null_type"
  switch (typeof v) {
    case "string":
      return "string"
    case "bigint":
      return "int"
    case "number":
      return "double"
    case "boolean":
      return "bool"
  }
  if (v instanceof UnsignedInt) return "uint"
  if (v instanceof Uint8Array) return "bytes"
  if (v instanceof Date) return "google.protobuf.Timestamp"
  if (v instanceof Duration) return "google.protobuf.Duration"
  if (Array.isArray(v)) return "list"
  const ctor = (v as object).constructor
  if (ctor === Map || ctor === Object || ctor === undefined) return "map"
  return typeof (v as { celType?: unknown }).celType === "string"
    ? ((v as { celType: string }).celType as string)
    : (ctor?.name ?? "object")
}

/** A type name of the CEL library (`list<int>`, `optional<int>`) as cel-go writes it. */
export function celGoTypeName(name: string): string {
  return name
    .replace(/\boptional</g, "optional_type<")
    .replace(/</g, "(")
    .replace(/>/g, ")")
    .replace(/\bnull\b/g, "null_type")
}

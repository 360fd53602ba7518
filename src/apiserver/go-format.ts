/**
 * Decoded JSON values printed as Go's `%v` prints them (`map[a:1 b:[x y]]`), and their Go type
 * names, for error messages that quote a value the way upstream's do.
 */

/** `value` as Go's `%v` prints the `interface{}` JSON decodes to (map keys sorted). */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return "<nil>"
  if (Array.isArray(value)) return `[${value.map(goValue).join(" ")}]`
  if (typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${k}:${goValue((value as Record<string, unknown>)[k])}`)
    return `map[${entries.join(" ")}]`
  }
  return String(value)
}

/** The Go type JSON decoding gives `value` (`map[string]interface {}`, `[]interface {}`, ...). */
export function goType(value: unknown): string {
  if (value === null || value === undefined) return "<nil>"
  if (Array.isArray(value)) return "[]interface {}"
  switch (typeof value) {
    case "object":
      return "map[string]interface {}"
    case "string":
      return "string"
    case "boolean":
      return "bool"
    case "number":
      return Number.isInteger(value) ? "int64" : "float64"
    default:
      return typeof value
  }
}

/**
 * The dryRun parameter of writes: only `All` is supported; anything else is refused as upstream's
 * options validation refuses it, 422 naming the verb's options kind and the whole list.
 */
import { invalid } from "../api/index.ts"

const OPTIONS: Readonly<Record<string, string>> = {
  POST: "CreateOptions",
  PUT: "UpdateOptions",
  PATCH: "PatchOptions",
  DELETE: "DeleteOptions",
}

/** `["a","b"]`, as the error prints the list (Go's json.Marshal of it). */
function goStrings(values: readonly string[]): string {
  return JSON.stringify(values)
}

/**
 * Whether a write with these `dryRun` values (from the query) is a dry run.
 * @throws ApiError Invalid `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ...`
 */
export function dryRunOf(values: readonly string[], method: string): boolean {
  if (values.some((v) => v !== "All")) {
    const kind = OPTIONS[method.toUpperCase()] ?? "CreateOptions"
    throw invalid(
      kind,
      "",
      [
        {
          type: "FieldValueNotSupported",
          field: "dryRun",
          message: `Unsupported value: ${goStrings(values)}: supported values: "All"`,
        },
      ],
      "meta.k8s.io",
    )
  }
  return values.length > 0
}

/**
 * The fields upstream's OpenAPI lists as required: the schema table's, and those kubernetes-types
 * declares without `?` (its types follow upstream's OpenAPI, which marks more than the protobuf).
 * The generated clients refuse an object without one (the Python client's models raise on a
 * null), so the documents list them and the server never answers null there.
 */
import { jsonFieldsOf } from "../../api/index.ts"
import { describe } from "./descriptions.ts"

const cache = new Map<string, readonly string[]>()

/** The required fields of message `t`, in field order. Cached. */
export function requiredFields(t: string): readonly string[] {
  let out = cache.get(t)
  if (out) return out
  const declared = describe(t)?.required
  out = Object.entries(jsonFieldsOf(t) ?? {})
    .filter(([name, f]) => f.req || declared?.has(name))
    .map(([name]) => name)
  cache.set(t, out)
  return out
}

/** Whether field `name` of message `t` is required. */
export function isRequiredField(t: string, name: string): boolean {
  return requiredFields(t).includes(name)
}

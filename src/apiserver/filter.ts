/** Which objects a list or watch sees: namespace, label selector and field selector. */
import type { ApiObject, ResourceInfo } from "../api/index.ts"
import { badRequest } from "../api/index.ts"
import { fieldsOf, parseFieldSelector, parseLabelSelector } from "./selectors.ts"

/** A compiled filter. `selective` is true when selectors may drop objects. */
export interface ObjectFilter {
  readonly namespace: string
  readonly selective: boolean
  matches(obj: ApiObject): boolean
}

/** Builds the filter of a request's labelSelector and fieldSelector. */
export function filterFor(info: ResourceInfo, namespace: string, query: URLSearchParams): ObjectFilter {
  const labels = parseLabelSelector(query.get("labelSelector") ?? "")
  const fieldReqs = parseFieldSelector(query.get("fieldSelector") ?? "")
  const probe = fieldsOf(info, {})
  for (const r of fieldReqs) {
    if (!(r.field in probe)) throw badRequest(`field label not supported: ${r.field}`)
  }
  const selective = labels !== undefined || fieldReqs.length > 0
  return {
    namespace,
    selective,
    matches(obj) {
      if (labels && !labels(obj.metadata?.labels ?? {})) return false
      if (fieldReqs.length === 0) return true
      const f = fieldsOf(info, obj)
      return fieldReqs.every((r) => ((f[r.field] ?? "") === r.value) === (r.op === "="))
    },
  }
}

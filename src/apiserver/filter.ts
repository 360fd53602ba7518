/** Which objects a list or watch sees: namespace, label selector and field selector. */
import type { ApiObject, ResourceInfo, StringSelectorMatcher } from "../api/index.ts"
import { badRequest } from "../api/index.ts"
import {
  type FieldRequirement,
  fieldLabel,
  fieldsOf,
  parseFieldSelector,
  parseLabelSelector,
} from "./selectors.ts"

/** A compiled filter. `selective` is true when selectors may drop objects. */
export interface ObjectFilter {
  readonly namespace: string
  readonly selective: boolean
  matches(obj: ApiObject): boolean
  /**
   * When no field selector names more than metadata.name and metadata.namespace: whether an
   * object with this metadata matches (for objects kept as their JSON, not parsed to be filtered).
   */
  readonly matchesMetadata?: (meta: PackedMetadata) => boolean
}

/** The metadata a filter may test an object on without the object. */
export interface PackedMetadata {
  readonly name?: string | undefined
  readonly namespace?: string | undefined
  readonly labels: Readonly<Record<string, string>>
}

/** Where fieldsOf finds no field but metadata.name and metadata.namespace. */
const METADATA_ONLY = { group: "", kind: "" }

/** The fields of an object that has only this metadata. */
function metadataFields(meta: PackedMetadata): Record<string, string> {
  return fieldsOf(METADATA_ONLY, { metadata: meta })
}

/** A request's labelSelector and fieldSelector, parsed (each a 400 when malformed). */
export interface Selectors {
  readonly labels: StringSelectorMatcher | undefined
  readonly fields: readonly FieldRequirement[]
}

/** Parses the selectors of a request's query: the label selector first, as upstream's conversion. */
export function selectorsOf(query: URLSearchParams): Selectors {
  const labels = parseLabelSelector(query.get("labelSelector") ?? "")
  return { labels, fields: parseFieldSelector(query.get("fieldSelector") ?? "") }
}

/** Builds the filter of a request's selectors; a field the kind has no label for is a 400. */
export function filterFor(info: ResourceInfo, namespace: string, selectors: Selectors): ObjectFilter {
  const { labels } = selectors
  const fieldReqs = selectors.fields.map((r) => {
    const field = fieldLabel(info, r.field)
    if (field === undefined) throw badRequest(`field label not supported: ${r.field}`)
    return field === r.field ? r : { ...r, field }
  })
  const selective = labels !== undefined || fieldReqs.length > 0
  /** Whether an object with these labels, and the fields `fields` reads from `x` (only if asked for), is selected. */
  const selects = <T>(
    objLabels: Readonly<Record<string, string>>,
    fields: (x: T) => Record<string, string>,
    x: T,
  ) => {
    if (labels && !labels(objLabels)) return false
    if (fieldReqs.length === 0) return true
    const f = fields(x)
    return fieldReqs.every((r) => ((f[r.field] ?? "") === r.value) === (r.op === "="))
  }
  const objectFields = (obj: ApiObject) => fieldsOf(info, obj)
  return {
    namespace,
    selective,
    ...(fieldReqs.every((r) => r.field === "metadata.name" || r.field === "metadata.namespace")
      ? {
          matchesMetadata: (meta: PackedMetadata) => selects(meta.labels, metadataFields, meta),
        }
      : {}),
    matches: (obj) => selects(obj.metadata?.labels ?? {}, objectFields, obj),
  }
}

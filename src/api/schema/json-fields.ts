/**
 * The JSON view of the schema table: Go structs embedded with `json:",inline"` are one field in
 * protobuf (`Volume.volumeSource`, marked `il` in the table) but their fields sit in the parent
 * in JSON; and which messages carry apiVersion and kind.
 */
import { type FieldSchema, jsonFields, META, typeSchema } from "./index.ts"

/** Messages that carry `apiVersion` and `kind` besides their own fields (Go's TypeMeta). */
const TYPED_META = new Set([
  `${META}.DeleteOptions`,
  `${META}.Status`,
  `${META}.CreateOptions`,
  `${META}.PatchOptions`,
  `${META}.UpdateOptions`,
  `${META}.GetOptions`,
  `${META}.ListOptions`,
  `${META}.APIResourceList`,
  `${META}.APIGroup`,
  `${META}.APIGroupList`,
  `${META}.APIVersions`,
])

const OBJECT_META = `${META}.ObjectMeta`
const LIST_META = `${META}.ListMeta`

/**
 * The fields of message `type` by JSON name, inlined messages flattened in; undefined for an
 * unknown type. Cached; the result is shared and must not be modified.
 */
export function jsonFieldsOf(type: string): Readonly<Record<string, FieldSchema>> | undefined {
  return typeSchema(type) ? jsonFields(type) : undefined
}

/** Whether the JSON form of message `type` has `apiVersion` and `kind` (a kind, its list, options). */
export function hasTypeMeta(type: string): boolean {
  if (TYPED_META.has(type)) return true
  const meta = typeSchema(type)?.f.metadata?.t
  return meta === OBJECT_META || meta === LIST_META
}

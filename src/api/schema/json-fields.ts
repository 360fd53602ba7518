/**
 * The JSON view of the schema table. Protobuf names a few fields differently from JSON: Go structs
 * embedded with `json:",inline"` are one field in protobuf (`Volume.volumeSource`) but their
 * fields sit in the parent in JSON, and a few names differ in case (`uID` is `uid`). These facts
 * come from upstream's Go struct tags; the functions here give each message's fields by their
 * JSON names, with the inlined messages' fields flattened in.
 */
import { type FieldSchema, META, typeSchema } from "./index.ts"

const CORE = "io.k8s.api.core.v1"

/** Fields whose message is inlined into the parent's JSON object (Go `json:",inline"`). */
const INLINE: Readonly<Record<string, readonly string[]>> = {
  [`${CORE}.Volume`]: ["volumeSource"],
  [`${CORE}.PersistentVolumeSpec`]: ["persistentVolumeSource"],
  [`${CORE}.Probe`]: ["handler"],
  [`${CORE}.EphemeralContainer`]: ["ephemeralContainerCommon"],
  [`${CORE}.ConfigMapEnvSource`]: ["localObjectReference"],
  [`${CORE}.ConfigMapKeySelector`]: ["localObjectReference"],
  [`${CORE}.ConfigMapProjection`]: ["localObjectReference"],
  [`${CORE}.ConfigMapVolumeSource`]: ["localObjectReference"],
  [`${CORE}.SecretEnvSource`]: ["localObjectReference"],
  [`${CORE}.SecretKeySelector`]: ["localObjectReference"],
  [`${CORE}.SecretProjection`]: ["localObjectReference"],
  "io.k8s.api.networking.v1.IngressRule": ["ingressRuleValue"],
}

/** Fields whose JSON name differs from the protobuf name beyond the first letter's case. */
const RENAMED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "io.k8s.api.authentication.v1.BoundObjectReference": { uID: "uid" },
  "io.k8s.api.networking.v1.IngressClassParametersReference": { aPIGroup: "apiGroup" },
}

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

const cache = new Map<string, Readonly<Record<string, FieldSchema>> | null>()

/**
 * The fields of message `type` by JSON name, inlined messages flattened in; undefined for an
 * unknown type. Cached; the result is shared and must not be modified.
 */
export function jsonFieldsOf(type: string): Readonly<Record<string, FieldSchema>> | undefined {
  let out = cache.get(type)
  if (out === undefined) {
    out = flatten(type)
    cache.set(type, out)
  }
  return out ?? undefined
}

function flatten(type: string): Record<string, FieldSchema> | null {
  const t = typeSchema(type)
  if (!t) return null
  const inline = INLINE[type] ?? []
  const renamed = RENAMED[type] ?? {}
  const out: Record<string, FieldSchema> = {}
  for (const [name, f] of Object.entries(t.f)) {
    if (inline.includes(name)) Object.assign(out, jsonFieldsOf(f.t) ?? {})
    else out[renamed[name] ?? name] = f
  }
  return out
}

/** Whether the JSON form of message `type` has `apiVersion` and `kind` (a kind, its list, options). */
export function hasTypeMeta(type: string): boolean {
  if (TYPED_META.has(type)) return true
  const meta = typeSchema(type)?.f.metadata?.t
  return meta === OBJECT_META || meta === LIST_META
}

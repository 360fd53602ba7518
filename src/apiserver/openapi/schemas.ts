/**
 * OpenAPI v3 schemas of the built-in types, generated from the schema table: one per message, with
 * upstream's extensions for patch strategies, merge keys, list types and map types, the special
 * JSON forms of Time, Quantity and IntOrString, and each kind's group-version-kind. Built once
 * per type and shared by every document.
 */
import { hasTypeMeta, jsonFieldsOf, schema } from "../../api/index.ts"

type FieldSchema = schema.FieldSchema
import { describe } from "./descriptions.ts"
import { requiredFields } from "./required-fields.ts"

/** A JSON schema object as it appears in the documents. */
export type JsonSchema = Record<string, unknown>

/** group, version and kind, as x-kubernetes-group-version-kind lists them. */
export interface Gvk {
  readonly group: string
  readonly version: string
  readonly kind: string
}

/** The `$ref` of a definition in a v3 document. */
export function refTo(definition: string): string {
  return `#/components/schemas/${definition}`
}

const API_VERSION_TEXT =
  "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"
const KIND_TEXT =
  "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"

const SCALARS: Readonly<Record<string, JsonSchema>> = {
  string: { type: "string" },
  bool: { type: "boolean" },
  int32: { type: "integer", format: "int32" },
  uint32: { type: "integer", format: "int32" },
  int64: { type: "integer", format: "int64" },
  uint64: { type: "integer", format: "int64" },
  sint64: { type: "integer", format: "int64" },
  fixed64: { type: "integer", format: "int64" },
  double: { type: "number", format: "double" },
  float: { type: "number", format: "float" },
  bytes: { type: "string", format: "byte" },
}

/** Types whose JSON form is not their message's: upstream's schema of each. */
const SPECIAL: Readonly<Record<string, JsonSchema>> = {
  [schema.TIME]: { type: "string", format: "date-time" },
  [schema.MICRO_TIME]: { type: "string", format: "date-time" },
  [schema.DURATION]: { type: "string" },
  [schema.QUANTITY]: { oneOf: [{ type: "string" }, { type: "number" }] },
  [schema.INT_OR_STRING]: { format: "int-or-string", oneOf: [{ type: "integer" }, { type: "string" }] },
  [schema.RAW_EXTENSION]: { type: "object" },
  [schema.FIELDS_V1]: { type: "object" },
  [`${schema.META}.Patch`]: { type: "object" },
  [schema.EXTENSIONS_JSON]: {},
  [schema.SCHEMA_OR_ARRAY]: {},
  [schema.SCHEMA_OR_BOOL]: {},
  [schema.SCHEMA_OR_STRING_ARRAY]: {},
}

/** The schema of one value of type `t` (no description): a scalar, an inlined alias or a $ref. */
function valueSchema(t: string): JsonSchema {
  const scalar = SCALARS[t]
  if (scalar) return { ...scalar }
  const alias = schema.typeSchema(t)
  if (alias?.alias) {
    const items = alias.f.items
    return { type: "array", items: items ? withDefault(valueSchema(items.t), items.t) : {} }
  }
  return { $ref: refTo(t) }
}

/**
 * Whether an absent value of type `t` reads as an empty object: a message that is not special
 * and that `{}` satisfies (one without required fields, so the default stays valid).
 */
function isPlainMessage(t: string): boolean {
  if (SCALARS[t] || SPECIAL[t] || schema.typeSchema(t)?.alias) return false
  return requiredFields(t).length === 0
}

/** Upstream gives list items and map values a zero default: "" or {}. */
function withDefault(s: JsonSchema, t: string): JsonSchema {
  if (t === "string") return { ...s, default: "" }
  if (s.$ref && isPlainMessage(t)) return { allOf: [{ $ref: s.$ref }], default: {} }
  return s
}

/** Struct fields that are values, not pointers, in upstream's types: they default to {}. */
function defaultsToEmpty(name: string, f: FieldSchema): boolean {
  return isPlainMessage(f.t) && (f.req === true || name === "metadata" || name === "template")
}

function extensions(f: FieldSchema): JsonSchema {
  const x: JsonSchema = {}
  if (f.lk) x["x-kubernetes-list-map-keys"] = [...f.lk]
  if (f.lt) x["x-kubernetes-list-type"] = f.lt
  if (f.mt) x["x-kubernetes-map-type"] = f.mt
  if (f.mk) x["x-kubernetes-patch-merge-key"] = f.mk
  if (f.ps) x["x-kubernetes-patch-strategy"] = f.ps
  return x
}

/** The property schema of field `name`. */
function propertySchema(name: string, f: FieldSchema, description: string | undefined): JsonSchema {
  const value = valueSchema(f.t)
  let s: JsonSchema
  if (f.map) s = { type: "object", additionalProperties: withDefault(value, f.t) }
  else if (f.rep) s = { type: "array", items: withDefault(value, f.t) }
  else if (defaultsToEmpty(name, f)) s = { allOf: [value], default: {} }
  else if (f.en) s = { ...value, enum: [...f.en] }
  else s = value
  const extra: JsonSchema = { ...(description ? { description } : {}), ...extensions(f) }
  // OpenAPI 3.0 ignores siblings of $ref: wrap it in allOf when anything stands beside it.
  if (s.$ref && Object.keys(extra).length > 0) s = { allOf: [{ $ref: s.$ref }] }
  return sortKeys({ ...s, ...extra })
}

function sortKeys(s: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(s).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

function messageSchema(t: string, gvks: readonly Gvk[]): JsonSchema {
  const fields = jsonFieldsOf(t) ?? {}
  const docs = describe(t)
  const properties: Record<string, JsonSchema> = {}
  if (hasTypeMeta(t)) {
    properties.apiVersion = { description: API_VERSION_TEXT, type: "string" }
    properties.kind = { description: KIND_TEXT, type: "string" }
  }
  for (const [name, f] of Object.entries(fields)) {
    properties[name] = propertySchema(name, f, docs?.fields.get(name))
  }
  const required = [...requiredFields(t)]
  return {
    ...(docs?.description ? { description: docs.description } : {}),
    properties: sortKeys(properties),
    ...(required.length ? { required } : {}),
    type: "object",
    ...(gvks.length
      ? {
          "x-kubernetes-group-version-kind": gvks.map((g) => ({
            group: g.group,
            kind: g.kind,
            version: g.version,
          })),
        }
      : {}),
  }
}

/** The schema of definition `t`, given the group-version-kinds it serves as. */
export function definitionSchema(t: string, gvks: readonly Gvk[]): JsonSchema {
  const special = SPECIAL[t]
  if (special) {
    const description = describe(t)?.description
    return { ...(description ? { description } : {}), ...special }
  }
  return messageSchema(t, gvks)
}

/** Every definition `roots` reach through their fields (aliases and scalars excluded). */
export function reachable(roots: Iterable<string>): Set<string> {
  const seen = new Set<string>()
  const queue = [...roots]
  while (queue.length) {
    const t = queue.pop() as string
    if (seen.has(t) || SCALARS[t] || schema.typeSchema(t)?.alias) continue
    seen.add(t)
    if (SPECIAL[t]) continue
    for (const f of Object.values(jsonFieldsOf(t) ?? {})) queue.push(f.t)
  }
  return seen
}

/**
 * The schema of a built-in kind as upstream's type checker resolves it from the generated
 * OpenAPI definitions (DefinitionsSchemaResolver, references populated): messages as objects of
 * their JSON fields (apiVersion and kind with them), lists, maps, Time as a date-time string,
 * IntOrString as int-or-string, RawExtension and FieldsV1 as objects without properties, and
 * Quantity (a oneOf without a type) left for CEL not to see. A message met again inside itself
 * is an object without properties, as PopulateRefs ends a cycle.
 */
import { hasTypeMeta, jsonFieldsOf, schema, type StructuralSchema } from "../../api/index.ts"

type FieldSchema = schema.FieldSchema

const INTEGER: StructuralSchema = { type: "integer" }
const SCALARS: Readonly<Record<string, StructuralSchema>> = {
  string: { type: "string" },
  bool: { type: "boolean" },
  int32: INTEGER,
  uint32: INTEGER,
  int64: INTEGER,
  uint64: INTEGER,
  sint64: INTEGER,
  fixed64: INTEGER,
  double: { type: "number" },
  float: { type: "number" },
  bytes: { type: "string", format: "byte" },
}

const OBJECT: StructuralSchema = { type: "object" }
/** Types whose schema is not their message's. */
const SPECIAL: Readonly<Record<string, StructuralSchema>> = {
  [schema.TIME]: { type: "string", format: "date-time" },
  [schema.MICRO_TIME]: { type: "string", format: "date-time" },
  [schema.DURATION]: { type: "string" },
  [schema.QUANTITY]: {},
  [schema.INT_OR_STRING]: { "x-kubernetes-int-or-string": true },
  [schema.RAW_EXTENSION]: OBJECT,
  [schema.FIELDS_V1]: OBJECT,
  [`${schema.META}.Patch`]: OBJECT,
  [schema.EXTENSIONS_JSON]: {},
  [schema.SCHEMA_OR_ARRAY]: {},
  [schema.SCHEMA_OR_BOOL]: {},
  [schema.SCHEMA_OR_STRING_ARRAY]: {},
}

const STRING = SCALARS.string as StructuralSchema

function valueSchema(t: string, visiting: Set<string>): StructuralSchema {
  const known = SCALARS[t] ?? SPECIAL[t]
  if (known) return known
  const alias = schema.typeSchema(t)
  if (alias?.alias) {
    const items = alias.f.items
    return { type: "array", ...(items ? { items: valueSchema(items.t, visiting) } : {}) }
  }
  return messageSchema(t, visiting)
}

function fieldSchema(f: FieldSchema, visiting: Set<string>): StructuralSchema {
  const value = valueSchema(f.t, visiting)
  if (f.map) return { type: "object", additionalProperties: value }
  if (f.rep) return { type: "array", items: value }
  return value
}

function messageSchema(t: string, visiting: Set<string>): StructuralSchema {
  if (visiting.has(t)) return OBJECT
  visiting.add(t)
  const properties: Record<string, StructuralSchema> = {}
  if (hasTypeMeta(t)) {
    properties.apiVersion = STRING
    properties.kind = STRING
  }
  for (const [name, f] of Object.entries(jsonFieldsOf(t) ?? {})) properties[name] = fieldSchema(f, visiting)
  visiting.delete(t)
  return { type: "object", properties }
}

const built = new Map<string, StructuralSchema>()

/**
 * The schema of built-in `kind` at `group`/`version`, if the table has it (built once: the same
 * object each time, never to be changed).
 */
export function builtinSchema(group: string, version: string, kind: string): StructuralSchema | undefined {
  const t = schema.definitionOf(group, version, kind)
  if (!t || !jsonFieldsOf(t)) return undefined
  let s = built.get(t)
  if (!s) built.set(t, (s = messageSchema(t, new Set())))
  return s
}

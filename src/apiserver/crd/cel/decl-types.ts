/**
 * The CEL types of a structural schema, as upstream's SchemaDeclType derives them: integer,
 * number, boolean and string (bytes, duration or timestamp by format) as scalars,
 * x-kubernetes-int-or-string as dyn, arrays as lists, additionalProperties as maps, and every
 * other object as a type of its own whose fields are its properties under CEL-escaped names.
 * Unknown fields and untyped values (x-kubernetes-preserve-unknown-fields alone) are not exposed.
 * A resource's root (and an embedded resource) always has apiVersion, kind and metadata.name
 * and metadata.generateName.
 */
import type { Environment } from "@marcbachmann/cel-js"
import { type StructuralSchema as Schema, additionalOf, itemsOf } from "../../../api/index.ts"
import { celEquals } from "./equality.ts"

/** The class of an object type's values: a Map keyed by the fields' CEL names. */
export type ObjectClass = new (entries?: Iterable<readonly [string, unknown]>) => Map<string, unknown>

/** A CEL type of a schema position. */
export type DeclType =
  | { readonly kind: "scalar"; readonly name: string; readonly format?: "bytes" | "duration" | "timestamp" }
  | { readonly kind: "dyn"; readonly name: "dyn" }
  | { readonly kind: "list"; readonly name: string; readonly elem: DeclType }
  | { readonly kind: "map"; readonly name: string; readonly elem: DeclType }
  | ObjectType

/** An object type: its CEL name, fields by JSON name, and the class of its values. */
export interface ObjectType {
  readonly kind: "object"
  readonly name: string
  readonly fields: ReadonlyMap<string, { readonly celName: string; readonly type: DeclType }>
  readonly ctor: ObjectClass
}

const RESERVED = new Set([
  "true",
  "false",
  "null",
  "in",
  "as",
  "break",
  "const",
  "continue",
  "else",
  "for",
  "function",
  "if",
  "import",
  "let",
  "loop",
  "package",
  "namespace",
  "return",
  "var",
  "void",
  "while",
])

/** A property's CEL name (`x-y` is `x__dash__y`, `in` is `__in__`), or undefined when it has none. */
export function escapeName(name: string): string | undefined {
  if (!name || /^[0-9]/.test(name)) return undefined
  if (RESERVED.has(name)) return `__${name}__`
  if (!/^[a-zA-Z0-9_./-]*$/.test(name)) return undefined
  return name.replace(/__|[-./]/g, (s) =>
    s === "__" ? "__underscores__" : s === "." ? "__dot__" : s === "-" ? "__dash__" : "__slash__",
  )
}

const STRING: Schema = { type: "string" }

const isString = (s: Schema | undefined) => s?.type === "string"

/**
 * The root of a resource with apiVersion, kind and metadata's name and generateName, as CEL sees
 * it: as it is when it declares them all (a built-in kind's full ObjectMeta), else with them.
 */
function withTypeAndObjectMeta(s: Schema): Schema {
  const p = s.properties
  const meta = p?.metadata
  if (isString(p?.kind) && isString(p?.apiVersion) && meta?.type === "object") {
    if (isString(meta.properties?.name) && isString(meta.properties?.generateName)) return s
  }
  const metadata: Schema = { type: "object", properties: { name: STRING, generateName: STRING } }
  return { ...s, properties: { ...s.properties, apiVersion: STRING, kind: STRING, metadata } }
}

function scalar(s: Schema): DeclType | undefined {
  switch (s.type) {
    case "boolean":
      return { kind: "scalar", name: "bool" }
    case "number":
      return { kind: "scalar", name: "double" }
    case "integer":
      return { kind: "scalar", name: "int" }
    case "string":
      if (s.format === "byte") return { kind: "scalar", name: "bytes", format: "bytes" }
      if (s.format === "duration")
        return { kind: "scalar", name: "google.protobuf.Duration", format: "duration" }
      if (s.format === "date" || s.format === "date-time")
        return { kind: "scalar", name: "google.protobuf.Timestamp", format: "timestamp" }
      return { kind: "scalar", name: "string" }
  }
  return undefined
}

/** Builds the types of one schema, registering its object types as it goes. */
export class DeclTypes {
  readonly #objects: ObjectType[] = []

  /** `prefix` names the object types (`selfType3`, `selfType3.spec`, `selfType3.spec.items.idx`). */
  constructor(readonly prefix: string) {}

  /** The object types made so far, innermost first (as they must be registered). */
  get objects(): readonly ObjectType[] {
    return this.#objects
  }

  /** The CEL type of values under `s`, or undefined when CEL does not see them. */
  of(s: Schema, resourceRoot: boolean, name = this.prefix): DeclType | undefined {
    if (s["x-kubernetes-int-or-string"]) return { kind: "dyn", name: "dyn" }
    const schema = resourceRoot ? withTypeAndObjectMeta(s) : s
    if (schema.type === "array") {
      const items = itemsOf(schema)
      const elem = items && this.of(items, !!items["x-kubernetes-embedded-resource"], `${name}.idx`)
      return elem && { kind: "list", name: `list<${elem.name}>`, elem }
    }
    if (schema.type !== "object") return scalar(schema)
    const extra = additionalOf(schema)
    if (extra) {
      const elem = this.of(extra, !!extra["x-kubernetes-embedded-resource"], `${name}.elem`)
      return elem && { kind: "map", name: `map<string, ${elem.name}>`, elem }
    }
    const fields = new Map<string, { celName: string; type: DeclType }>()
    for (const [prop, p] of Object.entries(schema.properties ?? {})) {
      const celName = escapeName(prop)
      if (!celName) continue
      const type = this.of(p, !!p["x-kubernetes-embedded-resource"], `${name}.${celName}`)
      if (type) fields.set(prop, { celName, type })
    }
    const ctor = { [name]: class extends Map<string, unknown> {} }[name] as ObjectClass
    const obj: ObjectType = { kind: "object", name, fields, ctor }
    this.#objects.push(obj)
    return obj
  }

  /** Registers the object types made so far on `env`, with CEL's equality. */
  register(env: Environment): void {
    for (const o of this.#objects) {
      const fields = Object.fromEntries([...o.fields.values()].map((f) => [f.celName, f.type.name]))
      env.registerType(o.name, { ctor: o.ctor, fields })
      env.registerOperator(`${o.name} == ${o.name}`, celEquals)
    }
  }
}

/**
 * The shape server-side apply sees a custom resource in, made from its CRD version's structural
 * schema as upstream makes its type converter (the version's OpenAPI model turned into a
 * structured-merge-diff schema): apiVersion, kind and metadata are added to the root and to
 * embedded resources; an object with properties is a struct refusing other fields unless
 * x-kubernetes-preserve-unknown-fields (on it or above it) keeps them, one without is a map;
 * x-kubernetes-map-type atomic makes either one value; an array is atomic unless
 * x-kubernetes-list-type makes it a set or a map keyed by x-kubernetes-list-map-keys; a node
 * without type (x-kubernetes-int-or-string, preserved values) takes any value.
 */
import { type StructuralSchema, additionalOf, itemsOf } from "../../api/index.ts"
import { type Child, OBJECT_META, type Shape, UNKNOWN, typeShape } from "../shapes.ts"

/** Scalars by JSON schema type; strings of a format other than byte are any scalar, as upstream's. */
const SCALARS: Readonly<Record<string, Shape>> = {
  integer: { kind: "scalar", t: "int64" },
  number: { kind: "scalar", t: "double" },
  boolean: { kind: "scalar", t: "bool" },
  string: { kind: "scalar", t: "string" },
}
const ANY_SCALAR: Shape = { kind: "scalar" }

/** The fields TypeMeta and ObjectMeta give every object, embedded ones too. */
const OBJECT_FIELDS: readonly [string, Child][] = [
  ["apiVersion", { shape: SCALARS.string as Shape, field: { n: 0, t: "string" } }],
  ["kind", { shape: SCALARS.string as Shape, field: { n: 0, t: "string" } }],
  ["metadata", { shape: typeShape(OBJECT_META), field: { n: 0, t: OBJECT_META } }],
]

/** The shape of the objects of a CRD version whose schema is `s`. */
export function customResourceShape(s: StructuralSchema): Shape {
  return objectShape(s, s["x-kubernetes-preserve-unknown-fields"] === true, true)
}

/** The shape of a value of schema `s`; `keep`: a node above keeps unknown fields. */
function shapeOf(s: StructuralSchema, keep: boolean): Shape {
  const preserve = keep || s["x-kubernetes-preserve-unknown-fields"] === true
  switch (s.type) {
    case "object":
      return objectShape(s, preserve, s["x-kubernetes-embedded-resource"] === true)
    case "array":
      return listShape(s, preserve)
    case "string":
      return !s.format || s.format === "byte" ? (SCALARS.string as Shape) : ANY_SCALAR
    case "integer":
    case "number":
    case "boolean":
      return SCALARS[s.type] as Shape
    default:
      // No type: any value, objects taken field by field, arrays whole.
      return UNKNOWN
  }
}

function objectShape(s: StructuralSchema, preserve: boolean, withObjectFields: boolean): Shape {
  const atomic = s["x-kubernetes-map-type"] === "atomic"
  const fields = new Map<string, Child>()
  for (const [name, p] of Object.entries(s.properties ?? {})) fields.set(name, propertyChild(p, preserve))
  if (withObjectFields) for (const [name, c] of OBJECT_FIELDS) fields.set(name, c)
  const extra = additionalOf(s)
  // Other fields: those additionalProperties describes; any when preserved, allowed, or when the
  // object declares none (a free-form object); else refused.
  let rest: Shape | undefined
  if (extra) rest = shapeOf(extra, preserve)
  else if (preserve || fields.size === 0 || s.additionalProperties === true) rest = UNKNOWN
  if (fields.size === 0) return { kind: "map", value: rest ?? UNKNOWN, atomic }
  return rest
    ? { kind: "struct", type: "", atomic, fields, rest }
    : { kind: "struct", type: "", atomic, fields }
}

function listShape(s: StructuralSchema, preserve: boolean): Shape {
  const items = itemsOf(s)
  const lt = s["x-kubernetes-list-type"] ?? "atomic"
  const lk = s["x-kubernetes-list-map-keys"]
  return {
    kind: "list",
    elem: items ? shapeOf(items, preserve) : UNKNOWN,
    field: { n: 0, t: items?.type ?? "", rep: true, lt, ...(lt === "map" && lk ? { lk } : {}) },
  }
}

/** A property of schema `p` as a declared field. */
function propertyChild(p: StructuralSchema, preserve: boolean): Child {
  const shape = shapeOf(p, preserve)
  const field = shape.kind === "list" ? shape.field : { n: 0, t: p.type ?? "" }
  return p.default === undefined ? { shape, field } : { shape, field, default: p.default }
}

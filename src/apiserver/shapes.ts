/**
 * The shape of the value at a position of an object, read from the schema table (or, for custom
 * resources, from their CRD's schema, see crd/apply-shape.ts): a struct of known fields, a map, a
 * list (with the field's merge strategy, merge key and list type), a scalar, or unknown (no
 * schema: custom resources without one, RawExtension, unknown fields). Strategic merge patch and
 * server-side apply walk objects with it.
 */
import { schema } from "../api/index.ts"

type FieldSchema = schema.FieldSchema

/** What is known about one position of an object. */
export type Shape =
  | {
      readonly kind: "struct"
      /** The message of the schema table; "" for a struct of a CRD's schema. */
      readonly type: string
      readonly atomic: boolean
      /** The fields a CRD's schema declares (the table's are looked up by `type`). */
      readonly fields?: ReadonlyMap<string, Child>
      /** The shape of the fields a CRD's struct does not declare; none: it refuses them. */
      readonly rest?: Shape
    }
  | { readonly kind: "map"; readonly value: Shape; readonly atomic: boolean }
  | { readonly kind: "list"; readonly elem: Shape; readonly field: FieldSchema }
  | { readonly kind: "scalar"; readonly t?: string }
  | { readonly kind: "unknown"; readonly object?: true }

/** A position the schema says nothing about. */
export const UNKNOWN: Shape = { kind: "unknown" }

/** An object of a kind without schema (a custom resource): only its metadata is known. */
export const UNKNOWN_OBJECT: Shape = { kind: "unknown", object: true }

/** The message of every object's metadata. */
export const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
const OBJECT_FIELDS = new Set(["apiVersion", "kind", "metadata"])
const SCALAR: Shape = { kind: "scalar" }

/** Types serialized as one JSON scalar whatever their message looks like. */
const SCALAR_LIKE = new Set([
  schema.TIME,
  schema.MICRO_TIME,
  schema.DURATION,
  schema.QUANTITY,
  schema.INT_OR_STRING,
])

/** Types whose JSON is free-form. */
const OPAQUE = schema.FREE_FORM_TYPES

/**
 * Messages upstream marks `+structType=atomic` (owned and replaced whole by apply). The table
 * records field markers only, so the message markers are listed here.
 */
const ATOMIC_TYPES = new Set([
  "io.k8s.api.autoscaling.v1.CrossVersionObjectReference",
  "io.k8s.api.core.v1.ConfigMapKeySelector",
  "io.k8s.api.core.v1.EndpointAddress",
  "io.k8s.api.core.v1.EndpointPort",
  "io.k8s.api.core.v1.EvictionResponder",
  "io.k8s.api.core.v1.FileKeySelector",
  "io.k8s.api.core.v1.LocalObjectReference",
  "io.k8s.api.core.v1.NodeSelector",
  "io.k8s.api.core.v1.NodeSelectorTerm",
  "io.k8s.api.core.v1.ObjectFieldSelector",
  "io.k8s.api.core.v1.ObjectReference",
  "io.k8s.api.core.v1.ResourceFieldSelector",
  "io.k8s.api.core.v1.ScopeSelector",
  "io.k8s.api.core.v1.SecretKeySelector",
  "io.k8s.api.core.v1.SecretReference",
  "io.k8s.api.core.v1.TopologySelectorTerm",
  "io.k8s.api.core.v1.TypedLocalObjectReference",
  "io.k8s.api.discovery.v1.EndpointPort",
  "io.k8s.api.networking.v1.ServiceBackendPort",
  "io.k8s.api.rbac.v1.RoleRef",
  "io.k8s.api.rbac.v1.Subject",
  "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
  "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
])

/** Shapes made so far, by type and atomicity: shapes never change, and walks ask for the same few. */
const typeShapes = new Map<string, Shape>()

/** The shape of a value of type `t` (a scalar or message name). */
export function typeShape(t: string, atomic = false): Shape {
  const id = atomic ? `${t}\0atomic` : t
  let shape = typeShapes.get(id)
  if (shape === undefined) {
    shape = makeTypeShape(t, atomic)
    typeShapes.set(id, shape)
  }
  return shape
}

function makeTypeShape(t: string, atomic: boolean): Shape {
  // A scalar of the table keeps its type (apply checks values against it).
  if (schema.SCALAR_TYPES.has(t)) return { kind: "scalar", t }
  if (SCALAR_LIKE.has(t)) return SCALAR
  if (OPAQUE.has(t)) return UNKNOWN
  const msg = schema.typeSchema(t)
  if (!msg) return UNKNOWN
  if (msg.alias) return { kind: "list", elem: SCALAR, field: { n: 1, t: "string", rep: true, lt: "atomic" } }
  return { kind: "struct", type: t, atomic: atomic || ATOMIC_TYPES.has(t) }
}

/** The shape of an object of a kind, or undefined when the table does not know the kind. */
export function kindShape(group: string, version: string, kind: string): Shape | undefined {
  const def = schema.definitionOf(group, version, kind)
  return def ? typeShape(def) : undefined
}

function shapeOfField(f: FieldSchema): Shape {
  if (f.rep) return { kind: "list", elem: typeShape(f.t), field: f }
  if (f.map) return { kind: "map", value: typeShape(f.t), atomic: f.mt === "atomic" }
  return typeShape(f.t, f.st === "atomic")
}

/** A child position: its shape and, for struct fields, the field's schema. */
export interface Child {
  readonly shape: Shape
  readonly field?: FieldSchema
  /** The value a CRD's schema defaults the field to (apply keys list items missing it by it). */
  readonly default?: unknown
}

const UNKNOWN_CHILD: Child = { shape: UNKNOWN }

/**
 * The children of table struct shapes by field name, and of map shapes and the fields CRD structs
 * do not declare (one for every key).
 */
const structChildren = new WeakMap<Shape, Map<string, Child>>()
const mapChildren = new WeakMap<Shape, Child>()

/** The shape of `name` inside a struct or map of `parent`. */
export function childOf(parent: Shape, name: string): Child {
  if (parent.kind === "map") return everyKey(parent, parent.value)
  if (parent.kind === "struct") {
    if (parent.fields) {
      const f = parent.fields.get(name)
      if (f) return f
      return parent.rest ? everyKey(parent, parent.rest) : UNKNOWN_CHILD
    }
    // Only declared fields are remembered: the names of unknown ones are client input.
    let byName = structChildren.get(parent)
    let c = byName?.get(name)
    if (c) return c
    c = makeChild(parent, name)
    if (c === UNKNOWN_CHILD) return c
    if (!byName) structChildren.set(parent, (byName = new Map()))
    byName.set(name, c)
    return c
  }
  return makeChild(parent, name)
}

/** The one child of every key of `parent`, of shape `shape`. */
function everyKey(parent: Shape, shape: Shape): Child {
  let c = mapChildren.get(parent)
  if (!c) {
    c = { shape }
    mapChildren.set(parent, c)
  }
  return c
}

function makeChild(parent: Shape, name: string): Child {
  if (parent.kind === "unknown" && parent.object && OBJECT_FIELDS.has(name)) {
    const field = { n: 0, t: name === "metadata" ? OBJECT_META : "string" }
    return { shape: typeShape(field.t), field }
  }
  if (parent.kind !== "struct") return UNKNOWN_CHILD
  const f = schema.fieldOf(parent.type, name)
  return f ? { shape: shapeOfField(f), field: f } : UNKNOWN_CHILD
}

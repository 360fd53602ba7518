/**
 * Objects seen through their schema as server-side apply sees them: which positions are leaves
 * (scalars, atomic structs, maps and lists), granular structs and maps, associative lists keyed
 * by their map keys, and sets. Positions without schema: maps granular, lists atomic. The field
 * set of an object and the comparison of two objects, in upstream's terms.
 */
import type { ApiObject } from "../../api/index.ts"
import { type Shape, childOf } from "../shapes.ts"
import { goValue } from "../go-format.ts"
import { FieldSet, fieldPE, indexPE, keyPE, valuePE } from "./field-set.ts"

/** A decoded JSON object. */
export type Obj = Record<string, unknown>

/** True for a JSON object. */
export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

/** An associative list: its items are keyed by the values of their `keys` fields. */
export interface AssocMode {
  readonly kind: "assoc"
  readonly keys: readonly string[]
  readonly elem: Shape
  /** The values of key fields an item may omit (upstream takes them from the schema). */
  readonly defaults: Readonly<Record<string, unknown>>
}

/** How a value at a position is merged and owned. */
export type Mode =
  | { readonly kind: "leaf" }
  | { readonly kind: "fields"; readonly shape: Shape }
  | AssocMode
  | { readonly kind: "set" }

const LEAF: Mode = { kind: "leaf" }

/** Defaults of the list map keys of the schema table a client may omit. */
const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: "TCP" }

/** The non-leaf mode of each shape: shapes never change, and walks ask again for every value. */
const modes = new WeakMap<Shape, Mode>()

/** The mode of `value` at a position of shape `shape`. */
export function modeOf(value: unknown, shape: Shape): Mode {
  switch (shape.kind) {
    case "struct":
    case "map":
      return isObj(value) && !shape.atomic ? shapeMode(shape) : LEAF
    case "unknown":
      return isObj(value) ? shapeMode(shape) : LEAF
    case "list":
      return Array.isArray(value) ? shapeMode(shape) : LEAF
    default:
      return LEAF
  }
}

function shapeMode(shape: Shape): Mode {
  let m = modes.get(shape)
  if (m === undefined) {
    m = makeMode(shape)
    modes.set(shape, m)
  }
  return m
}

function makeMode(shape: Shape): Mode {
  if (shape.kind !== "list") return { kind: "fields", shape }
  const f = shape.field
  const merge = (f.ps ?? "").split(",").includes("merge")
  const lt = f.lt ?? (merge ? (f.mk ? "map" : "set") : "atomic")
  if (lt === "set") return { kind: "set" }
  if (lt !== "map") return LEAF
  const keys = f.lk ?? (f.mk ? [f.mk] : [])
  return { kind: "assoc", keys, elem: shape.elem, defaults: keyDefaults(keys, shape.elem) }
}

/** The defaults of the key fields of a list's items: a CRD's schema's, or the table's. */
function keyDefaults(keys: readonly string[], elem: Shape): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const k of keys) {
    const def = elem.kind === "struct" && elem.fields ? elem.fields.get(k)?.default : KEY_DEFAULTS[k]
    // A null default is none, as upstream's.
    if (def !== undefined && def !== null) out[k] = def
  }
  return out
}

/** The value of an associative list item's key `k` as its path element takes it (defaults filled). */
export function itemKeyValue(item: Obj, k: string, list: AssocMode): unknown {
  return item[k] === undefined ? list.defaults[k] : item[k]
}

/**
 * The path element of an associative list item: its key fields' values (defaults filled), those
 * it omits left out.
 */
export function itemPE(item: unknown, i: number, list: AssocMode): string {
  const keys = list.keys
  if (!isObj(item) || keys.length === 0) return indexPE(i)
  let withDefaults = item // copied only when a default fills a missing key
  for (const k of keys) {
    if (item[k] === undefined && list.defaults[k] !== undefined) {
      if (withDefaults === item) withDefaults = { ...item }
      withDefaults[k] = list.defaults[k]
    }
  }
  return keyPE(withDefaults, keys)
}

/** True when `name` is a declared field of a struct shape (not a map entry). */
export function isDeclared(shape: Shape, name: string): boolean {
  return (shape.kind === "struct" || shape.kind === "unknown") && childOf(shape, name).field !== undefined
}

/** The field set of a value: every leaf, list item and map entry it sets (upstream's ToFieldSet). */
export function toFieldSet(value: unknown, shape: Shape, node = new FieldSet()): FieldSet {
  const mode = modeOf(value, shape)
  switch (mode.kind) {
    case "leaf":
      node.member = true
      break
    case "fields":
      for (const [k, v] of Object.entries(value as Obj)) {
        const child = node.child(fieldPE(k))
        toFieldSet(v, childOf(shape, k).shape, child)
        if (v === null || (isObj(v) && Object.keys(v).length === 0) || !isDeclared(shape, k))
          child.member = true
      }
      break
    case "assoc":
      ;(value as unknown[]).forEach((item, i) => {
        const child = node.child(itemPE(item, i, mode))
        toFieldSet(item, mode.elem, child)
        child.member = true
      })
      break
    case "set":
      for (const item of value as unknown[]) node.child(valuePE(item)).member = true
      break
  }
  return node
}

/** What changed between two objects: upstream's Comparison. */
export interface Comparison {
  readonly added: FieldSet
  readonly modified: FieldSet
  readonly removed: FieldSet
}

/**
 * Compares `lhs` (old) with `rhs` (new). With `structMembers` false, structs that appear are not
 * members themselves (upstream compares against Go's zero value, where most already exist).
 */
export function compare(lhs: unknown, rhs: unknown, shape: Shape, structMembers = true): Comparison {
  const c = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() }
  compareAt({ c, structMembers }, [], lhs, rhs, shape)
  return c
}

function isEmptyValue(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (isObj(v) && Object.keys(v).length === 0)
  )
}

function jsonKind(v: unknown): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v
}

/** Leaves, values that changed their JSON kind, and two empty maps or lists compare as one value. */
function isLeafPair(mode: Mode, lhs: unknown, rhs: unknown): boolean {
  if (mode.kind === "leaf") return true
  if (lhs !== undefined && rhs !== undefined && jsonKind(lhs) !== jsonKind(rhs)) return true
  return isEmptyValue(lhs) && isEmptyValue(rhs)
}

interface CompareState {
  readonly c: Comparison
  readonly structMembers: boolean
}

function compareAt(
  st: CompareState,
  path: string[],
  lhs: unknown,
  rhs: unknown,
  shape: Shape,
  item = false,
): void {
  const { c } = st
  // The same value (a subtree an update kept from the old object) holds no change.
  if (lhs === rhs) return
  if (lhs === undefined) {
    graft(c.added, path, addedSet(st, rhs, shape, item))
    return
  }
  const mode = modeOf(rhs !== undefined ? rhs : lhs, shape)
  if (isLeafPair(mode, lhs, rhs)) {
    if (rhs === undefined) c.removed.insert(path)
    else if (typeof lhs !== "object" || JSON.stringify(lhs) !== JSON.stringify(rhs)) c.modified.insert(path)
    return
  }
  if (lhs === undefined) {
    if (st.structMembers || item || shape.kind !== "struct") c.added.insert(path)
  } else if (rhs === undefined) c.removed.insert(path)
  if (mode.kind === "fields") compareFields(st, path, lhs, rhs, shape)
  else if (mode.kind === "set") compareSet(c, path, lhs, rhs)
  else if (mode.kind === "assoc") compareItems(st, path, [lhs, rhs], mode)
}

/**
 * What compareAt adds for a value with nothing before it, built in one pass as its own set
 * (rather than inserting every member path from the root).
 */
function addedSet(st: CompareState, rhs: unknown, shape: Shape, item: boolean): FieldSet {
  const node = new FieldSet()
  const mode = modeOf(rhs, shape)
  if (mode.kind === "leaf" || isEmptyValue(rhs)) {
    node.member = true
    return node
  }
  if (st.structMembers || item || shape.kind !== "struct") node.member = true
  if (mode.kind === "fields") {
    const r = rhs as Obj
    for (const k of Object.keys(r)) addChild(st, node, fieldPE(k), r[k], childOf(shape, k).shape, false)
  } else if (mode.kind === "set") {
    for (const v of rhs as unknown[]) node.child(valuePE(v)).member = true
  } else if (mode.kind === "assoc") {
    for (const [pe, v] of itemsByKey(rhs, mode)) addChild(st, node, pe, v, mode.elem, true)
  }
  return node
}

function addChild(
  st: CompareState,
  node: FieldSet,
  pe: string,
  v: unknown,
  shape: Shape,
  item: boolean,
): void {
  if (v === undefined) return
  const child = addedSet(st, v, shape, item)
  if (child.member || child.hasChildren()) node.children.set(pe, child)
}

/** Puts `set` at `path` of `root`, where nothing was yet (compare visits each path once). */
function graft(root: FieldSet, path: readonly string[], set: FieldSet): void {
  if (!set.member && !set.hasChildren()) return
  if (path.length === 0) {
    root.member ||= set.member
    for (const [pe, c] of set.children) root.children.set(pe, c)
    return
  }
  let node = root
  for (let i = 0; i < path.length - 1; i++) node = node.child(path[i] as string)
  node.children.set(path[path.length - 1] as string, set)
}

function itemsByKey(list: unknown, mode: AssocMode): Map<string, unknown> {
  return new Map((Array.isArray(list) ? list : []).map((item, i) => [itemPE(item, i, mode), item]))
}

function compareFields(st: CompareState, path: string[], lhs: unknown, rhs: unknown, shape: Shape): void {
  const l = isObj(lhs) ? lhs : {}
  const r = isObj(rhs) ? rhs : {}
  // `path` is one array, extended while a child is compared (field sets copy what they keep).
  for (const k in l) {
    path.push(fieldPE(k))
    compareAt(st, path, l[k], r[k], childOf(shape, k).shape)
    path.pop()
  }
  for (const k in r) {
    if (Object.hasOwn(l, k)) continue
    path.push(fieldPE(k))
    compareAt(st, path, undefined, r[k], childOf(shape, k).shape)
    path.pop()
  }
}

function compareSet(c: Comparison, path: string[], lhs: unknown, rhs: unknown): void {
  const lv = new Set((Array.isArray(lhs) ? lhs : []).map((v) => valuePE(v)))
  const rv = new Set((Array.isArray(rhs) ? rhs : []).map((v) => valuePE(v)))
  for (const pe of rv) if (!lv.has(pe)) c.added.insert([...path, pe])
  for (const pe of lv) if (!rv.has(pe)) c.removed.insert([...path, pe])
}

function compareItems(
  st: CompareState,
  path: string[],
  [lhs, rhs]: [unknown, unknown],
  mode: AssocMode,
): void {
  const lm = itemsByKey(lhs, mode)
  const rm = itemsByKey(rhs, mode)
  for (const pe of new Set([...lm.keys(), ...rm.keys()])) {
    path.push(pe)
    compareAt(st, path, lm.get(pe), rm.get(pe), mode.elem, true)
    path.pop()
  }
}

/**
 * `set` with the declared struct fields on the way to its members made members too (upstream's
 * EnsureNamedFieldsAreMembers), so removing a struct field removes it whole.
 */
export function withNamedFields(set: FieldSet, shape: Shape): FieldSet {
  const out = new FieldSet()
  out.member = set.member
  for (const [pe, child] of set.children) {
    const name = pe.startsWith("f:") ? pe.slice(2) : undefined
    let sub: Shape
    if (name !== undefined) sub = childOf(shape, name).shape
    else sub = shape.kind === "list" ? shape.elem : shape
    const c = withNamedFields(child, sub)
    if (name !== undefined && isDeclared(shape, name)) c.member = true
    out.children.set(pe, c)
  }
  return out
}

/**
 * The first thing upstream refuses in an applied configuration: a field its type does not
 * declare, a value of the wrong type (a scalar, or a list or map where the other is declared),
 * an associative list item that is not an object or misses a key field, or two items with the
 * same key. Undefined when there is none. Atomic structs and maps are checked as deep as others.
 */
export function configError(value: unknown, shape: Shape, path = ""): string | undefined {
  if (value === null || value === undefined) return undefined
  switch (shape.kind) {
    case "scalar":
      return scalarError(value, shape.t, path)
    case "struct":
    case "map":
      if (!isObj(value)) return `${path}: expected map, got &{${goValue(value)}}`
      return fieldsError(value, shape, path)
    case "list":
      if (!Array.isArray(value)) return `${path}: expected list, got &{${goValue(value)}}`
      return listError(value, shape, path)
    default:
      return isObj(value) ? fieldsError(value, shape, path) : undefined
  }
}

function listError(value: unknown[], shape: Shape & { kind: "list" }, path: string): string | undefined {
  const mode = modeOf(value, shape)
  if (mode.kind === "assoc") return itemsError(value, mode, path)
  return elementsError(value, shape.elem, path) ?? (mode.kind === "set" ? setError(value, path) : undefined)
}

function fieldsError(value: Obj, shape: Shape, path: string): string | undefined {
  for (const [k, v] of Object.entries(value)) {
    const child = childOf(shape, k)
    const typeMeta = path === "" && (k === "apiVersion" || k === "kind")
    if (shape.kind === "struct" && !child.field && !shape.rest && !typeMeta)
      return `${path}.${k}: field not declared in schema`
    const err = configError(v, child.shape, `${path}.${k}`)
    if (err) return err
  }
  return undefined
}

function elementsError(items: readonly unknown[], elem: Shape, path: string): string | undefined {
  for (const [i, item] of items.entries()) {
    const err = configError(item, elem, `${path}[${i}]`)
    if (err) return err
  }
  return undefined
}

function setError(items: readonly unknown[], path: string): string | undefined {
  const seen = new Set<string>()
  for (const item of items) {
    const pe = valuePE(item)
    if (seen.has(pe)) return `${path}: duplicate entries for key [=${JSON.stringify(item)}]`
    seen.add(pe)
  }
  return undefined
}

/** Go's `%#v` of a decoded JSON value, as structured-merge-diff quotes a value it refuses. */
function goSharp(v: unknown): string {
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharp).join(", ")}}`
  if (isObj(v))
    return `map[string]interface {}{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goSharp(v[k])}`)
      .join(", ")}}`
  return v === undefined ? "<nil>" : JSON.stringify(v)
}

/** Go's `%T` of a decoded JSON value. */
function goTypeOf(v: unknown): string {
  if (Array.isArray(v)) return "[]interface {}"
  if (isObj(v)) return "map[string]interface {}"
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64"
  return typeof v === "boolean" ? "bool" : "string"
}

/** structured-merge-diff's check of a scalar: string, numeric or boolean as the schema says. */
function scalarError(value: unknown, t: string | undefined, path: string): string | undefined {
  if (value === null || value === undefined || t === undefined) return undefined
  if (t === "string" || t === "bytes") {
    if (typeof value === "string") return undefined
    return `${path}: expected string, got &value.valueUnstructured{Value:${goSharp(value)}}`
  }
  if (t === "bool") {
    if (typeof value === "boolean") return undefined
    const shown = typeof value === "string" ? value : goSharp(value)
    return `${path}: expected boolean, got &{${shown}}`
  }
  if (typeof value === "number") return undefined
  return `${path}: expected numeric (int or float), got ${goTypeOf(value)}`
}

/** Go's `%q` of a list of strings: `["a" "b"]`. */
function goQuotedList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(" ")}]`
}

function itemsError(items: unknown[], mode: AssocMode, path: string): string | undefined {
  const seen = new Set<string>()
  for (const [i, item] of items.entries()) {
    if (item === null) return `${path}: element ${i}: associative list with keys may not have a null element`
    if (!isObj(item)) return `${path}: element ${i}: associative list with keys may not have non-map elements`
    // An item may omit key fields (it is keyed by the others) but not all of them.
    if (mode.keys.length && mode.keys.every((k) => itemKeyValue(item, k, mode) === undefined)) {
      return `${path}: element ${i}: associative list with keys has an element that omits all key fields ${goQuotedList(mode.keys)} (and doesn't have default values for any key fields)`
    }
    const pe = itemPE(item, i, mode)
    // The item's path element as upstream prints it: [name="c"], [containerPort=80,protocol="TCP"].
    const keys = Object.entries(JSON.parse(pe.slice(2)) as Obj)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(",")
    if (seen.has(pe)) return `${path}: duplicate entries for key [${keys}]`
    seen.add(pe)
    const err = configError(item, mode.elem, `${path}[${keys}]`)
    if (err) return err
  }
  return undefined
}

/** An object without the metadata that is never compared (managedFields, resourceVersion). */
export function comparable(obj: ApiObject | undefined): Obj {
  if (!obj) return {}
  const meta = { ...(obj.metadata ?? {}) } as Obj
  delete meta.managedFields
  delete meta.resourceVersion
  return { ...(obj as Obj), metadata: meta }
}

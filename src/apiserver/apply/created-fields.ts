/**
 * The FieldsV1 a create owns, built in one walk of the new object (as upstream's field manager
 * builds a created object's set straight from the object): every leaf, list item and map entry
 * it sets, the server's own metadata left out. It is what comparing the object with nothing,
 * removing the server's fields and encoding the set gives, without the intermediate sets.
 *
 * The walk finds each node of the FieldsV1 by its children among the nodes made before, so objects
 * made alike (the pods of one template) share one FieldsV1 (never changed once built), found
 * without spelling it out, and its JSON text is known for encoding.
 */
import { rememberJson } from "../known-json.ts"
import { type Shape, childOf } from "../shapes.ts"
import { fieldPE, indexPE, valuePE } from "./field-set.ts"
import { type AssocMode, type Obj, isObj, itemKeyValue, itemPE, modeOf } from "./typed.ts"

/** FieldsV1 JSON: path elements to nodes, `"."` marking a member that has children. */
export type FieldsV1 = Record<string, unknown>

/** Metadata no manager owns (upstream's stripped fields; managedFields and resourceVersion are never compared). */
export const SERVER_METADATA_FIELDS = [
  "name",
  "namespace",
  "creationTimestamp",
  "selfLink",
  "uid",
  "clusterName",
  "generation",
  "managedFields",
  "resourceVersion",
] as const

const SERVER_METADATA = new Set<string>(SERVER_METADATA_FIELDS)

/**
 * A node of a FieldsV1, made once for each distinct content and shared by every FieldsV1 that has
 * it (hash-consing: a node is found by its children's ids, so no walk spells out or hashes a
 * whole FieldsV1); never changed once built.
 */
interface Node {
  readonly id: number
  /** The node as FieldsV1 JSON. */
  readonly fields: FieldsV1
  /** Its JSON text: exactly what JSON.stringify gives for `fields`. */
  readonly text: string
  /** Whether it has `"."` (a member that has children; the leaf is EMPTY). */
  readonly member: boolean
  /** Its children, sorted: path elements at even indexes, each followed by its node. */
  readonly kids: Kids
}

/** A path element, with an id standing for it in node keys and its JSON text. */
interface PathElement {
  readonly id: number
  readonly pe: string
  readonly quoted: string
}

/** A node's children as (path element, node) pairs, flat: path element at even indexes, node after it. */
type Kids = (PathElement | Node)[]

/** Ids of path elements and nodes: never reused. */
let nextId = 1

/** The leaf (or an empty value). */
const EMPTY: Node = { id: 0, fields: {}, text: "{}", member: true, kids: [] }
const MEMBER_PREFIX = '{".":{},'

/**
 * What walks found before, emptied (all at once, between walks) when large: a walk relies on
 * finding one path element for one spelling.
 */
const TABLE_MAX = 8192
/** Field path elements by field name, other path elements by themselves. */
const fieldPEs = new Map<string, PathElement>()
const otherPEs = new Map<string, PathElement>()
/** Path elements of list items by position. */
const indexPEs: PathElement[] = []
/**
 * Path elements of associative list items whose keys are scalars: a tree of maps per list (its
 * keys and their defaults), one level for each key's value, in the order of the keys.
 */
let itemPEs = new WeakMap<AssocMode, Map<unknown, unknown>>()
let itemPECount = 0
/** Nodes by a hash of their member flag and children, each compared in full. */
const nodes = new Map<number, Node[]>()
let nodeCount = 0

/** Empties the tables grown too large (at the start of a walk). */
function trimTables(): void {
  if (fieldPEs.size >= TABLE_MAX) fieldPEs.clear()
  if (otherPEs.size < TABLE_MAX && itemPECount < TABLE_MAX && nodeCount < TABLE_MAX) return
  otherPEs.clear()
  indexPEs.length = 0
  itemPEs = new WeakMap()
  itemPECount = 0
  nodes.clear()
  nodeCount = 0
}

function makePE(pe: string): PathElement {
  return { id: nextId++, pe, quoted: JSON.stringify(pe) }
}

/** The path element of a struct field or map key `name`. */
function fieldElement(name: string): PathElement {
  let e = fieldPEs.get(name)
  if (e === undefined) {
    e = makePE(fieldPE(name))
    fieldPEs.set(name, e)
  }
  return e
}

/** The path element `pe` (a list item's). */
function element(pe: string): PathElement {
  let e = otherPEs.get(pe)
  if (e === undefined) {
    e = makePE(pe)
    otherPEs.set(pe, e)
  }
  return e
}

function isScalar(v: unknown): boolean {
  return (
    v === null || v === undefined || typeof v === "string" || typeof v === "number" || typeof v === "boolean"
  )
}

/** itemPE's path element, found by the item's key values when they are scalars. */
function itemElement(item: unknown, i: number, list: AssocMode): PathElement {
  const keys = list.keys
  if (!isObj(item) || keys.length === 0) return (indexPEs[i] ??= element(indexPE(i)))
  let level = itemPEs.get(list)
  if (level === undefined) itemPEs.set(list, (level = new Map()))
  const last = keys.length - 1
  for (let j = 0; ; j++) {
    const v = itemKeyValue(item, keys[j] as string, list)
    if (!isScalar(v)) return element(itemPE(item, i, list))
    const next = level.get(v)
    if (j === last) {
      if (next !== undefined) return next as PathElement
      const e = element(itemPE(item, i, list))
      level.set(v, e)
      itemPECount++
      return e
    }
    if (next === undefined) level.set(v, (level = new Map()))
    else level = next as Map<unknown, unknown>
  }
}

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true
  if (Array.isArray(v)) return v.length === 0
  if (typeof v !== "object") return false
  for (const _ in v) return false
  return true
}

/**
 * The children walks gather, on one stack: each walk pushes its own from the length it found and
 * gives them back when its node is found or made, so a node already made costs no array.
 */
const scratch: Kids = []

/** Sorts the children gathered from `from` on by path element (insertion sort: most nodes have a few, often in order already). */
function sortKids(from: number): void {
  const kids = scratch
  const n = kids.length
  for (let i = from + 2; i < n; i += 2) {
    const pe = kids[i] as PathElement
    const node = kids[i + 1] as Node
    let j = i - 2
    for (; j >= from && (kids[j] as PathElement).pe > pe.pe; j -= 2) {
      kids[j + 2] = kids[j] as PathElement
      kids[j + 3] = kids[j + 1] as Node
    }
    kids[j + 2] = pe
    kids[j + 3] = node
  }
}

/** Stands, among gathered children, for an item that owns nothing (see dropShadowed). */
const GONE: Node = { id: -1, fields: {}, text: "", member: false, kids: [] }

/**
 * Keeps, of the children gathered from `from` on (sorted, so an element's repeats are together and
 * in the order gathered), only the last of each path element, and only when it owns something
 * (not GONE): an associative list's item shadows the earlier ones of its key.
 */
function dropShadowed(from: number): void {
  const kids = scratch
  let to = from
  for (let i = from; i < kids.length; i += 2) {
    const pe = kids[i]
    if (i + 2 < kids.length && kids[i + 2] === pe) continue
    const node = kids[i + 1]
    if (node === GONE) continue
    kids[to] = pe as PathElement
    kids[to + 1] = node as Node
    to += 2
  }
  kids.length = to
}

/**
 * The node with the sorted children gathered from `from` on (taken off the stack), `"."` first
 * when `member`; undefined for a non-member without any.
 */
function nodeOf(member: boolean, from: number): Node | undefined {
  const kids = scratch
  const n = kids.length
  if (n === from) return member ? EMPTY : undefined
  let h = member ? 1 : 2
  for (let i = from; i < n; i++) h = (Math.imul(h, 0x01000193) ^ (kids[i] as PathElement | Node).id) | 0
  let bucket = nodes.get(h)
  if (bucket === undefined) nodes.set(h, (bucket = []))
  else {
    for (const c of bucket) {
      if (c.member === member && sameKids(c.kids, from)) {
        kids.length = from
        return c
      }
    }
  }
  const node = makeNode(member, kids.slice(from))
  kids.length = from
  bucket.push(node)
  nodeCount++
  return node
}

/** Whether `a` holds the children gathered from `from` on. */
function sameKids(a: Kids, from: number): boolean {
  if (a.length !== scratch.length - from) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== scratch[from + i]) return false
  return true
}

function makeNode(member: boolean, kids: Kids): Node {
  const fields: FieldsV1 = {}
  const parts: string[] = [member ? MEMBER_PREFIX : "{"]
  if (member) fields["."] = {}
  for (let i = 0; i < kids.length; i += 2) {
    const pe = kids[i] as PathElement
    const child = kids[i + 1] as Node
    fields[pe.pe] = child.fields
    if (i > 0) parts.push(",")
    parts.push(pe.quoted, ":", child.text)
  }
  parts.push("}")
  // Joined, not concatenated: a text made with += is a tree of its parts (and its children's
  // texts are trees), which every create's stored value, copying it out, would walk again (the
  // bench's pod: hundreds of pieces); join makes one flat string, copied as a whole.
  const text = parts.join("")
  rememberJson(fields, text)
  return { id: nextId++, fields, text, member, kids }
}

/**
 * The node of a value set where nothing was; undefined when it owns nothing. `custom`: the object
 * is a custom resource's, decoded as it is written rather than into a Go struct.
 */
function added(v: unknown, shape: Shape, item: boolean, custom: boolean): Node | undefined {
  const mode = modeOf(v, shape)
  if (mode.kind === "leaf" || isEmptyValue(v)) return EMPTY
  // Structs that appear are not members themselves (their fields are: upstream compares with Go's
  // zero value, which has them already); items, map entries and a custom resource's structs are.
  const member = item || custom || shape.kind !== "struct"
  const kids = scratch
  const from = kids.length
  if (mode.kind === "fields") {
    const o = v as Obj
    for (const k in o) {
      const c = o[k]
      if (c === undefined) continue
      // A scalar is a leaf at any shape: no need to look its shape up.
      const node = isScalar(c) ? EMPTY : added(c, childOf(shape, k).shape, false, custom)
      if (node) kids.push(fieldElement(k), node)
    }
  } else if (mode.kind === "set") {
    const seen = new Set<string>()
    for (const x of v as unknown[]) {
      const pe = valuePE(x)
      if (!seen.has(pe)) kids.push(element(pe), EMPTY)
      seen.add(pe)
    }
  } else {
    // Associative list: items by their keys, a repeated key's last item owning it (children are
    // sorted below, so the place it keeps does not matter).
    const items = v as unknown[]
    for (let i = 0; i < items.length; i++) {
      const x = items[i]
      const pe = itemElement(x, i, mode)
      const node = x === undefined ? undefined : added(x, mode.elem, true, custom)
      kids.push(pe, node ?? GONE)
    }
    sortKids(from)
    dropShadowed(from)
    return nodeOf(member, from)
  }
  sortKids(from)
  return nodeOf(member, from)
}

/** A stripped node: no longer a member itself; gone when nothing under it is owned. */
function stripped(node: Node | undefined): Node | undefined {
  if (node === undefined || node === EMPTY) return undefined
  // A member has children (a leaf is EMPTY): drop its "." and keep them.
  if (!node.member) return node
  const from = scratch.length
  for (const k of node.kids) scratch.push(k)
  return nodeOf(false, from)
}

/** What createdFieldsV1 needs to know of the kind of object created. */
export interface CreatedKind {
  /** The shape of the kind. */
  readonly shape: Shape
  /** Status is written through its subresource, so a create does not own it. */
  readonly hasStatus: boolean
  /** A custom resource: its structs that appear are members (see added). */
  readonly custom?: boolean
}

/** The FieldsV1 an Update creating `obj` owns, or undefined when it owns nothing. */
export function createdFieldsV1(obj: Obj, kind: CreatedKind): FieldsV1 | undefined {
  trimTables()
  scratch.length = 0 // nothing left over from a walk that failed
  return rootNode(obj, kind)?.fields
}

function rootNode(obj: Obj, { shape, hasStatus, custom = false }: CreatedKind): Node | undefined {
  const kids = scratch
  const from = kids.length
  for (const k in obj) {
    const v = obj[k]
    if (v === undefined || (k === "status" && hasStatus)) continue
    const childShape = childOf(shape, k).shape
    let node: Node | undefined
    if (k === "metadata" && isObj(v)) node = stripped(metadataFields(v, childShape, custom))
    else {
      node = added(v, childShape, false, custom)
      if (k === "apiVersion" || k === "kind") node = stripped(node)
    }
    if (node) kids.push(fieldElement(k), node)
  }
  sortKids(from)
  return nodeOf(false, from)
}

/** The metadata part: what `added` gives for it, the server's own fields stripped. */
function metadataFields(meta: Obj, shape: Shape, custom: boolean): Node | undefined {
  const mode = modeOf(meta, shape)
  if (mode.kind !== "fields") return added(meta, shape, false, custom)
  const kids = scratch
  const from = kids.length
  let any = false
  for (const k in meta) {
    const v = meta[k]
    if (v === undefined || k === "managedFields" || k === "resourceVersion") continue
    any = true
    let node = isScalar(v) ? EMPTY : added(v, childOf(shape, k).shape, false, custom)
    if (SERVER_METADATA.has(k)) node = stripped(node)
    if (node) kids.push(fieldElement(k), node)
  }
  sortKids(from)
  // An empty metadata is one owned value, as any empty map (then stripped); it gathered nothing.
  if (!any) return EMPTY
  return nodeOf(shape.kind !== "struct", from)
}

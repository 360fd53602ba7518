/**
 * The FieldsV1 a create owns, built in one walk of the new object (as upstream's field manager
 * builds a created object's set straight from the object): every leaf, list item and map entry
 * it sets, the server's own metadata left out. It is what comparing the object with nothing,
 * removing the server's fields and encoding the set gives, without the intermediate sets.
 *
 * The walk writes the FieldsV1 as JSON text; objects made alike (the pods of one template)
 * have the same text, and share one decoded FieldsV1 (never changed once built).
 */
import { type Shape, childOf } from "../shapes.ts"
import { fieldPE, valuePE } from "./field-set.ts"
import { type Obj, isObj, itemPE, modeOf } from "./typed.ts"

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

/** A node as JSON text. */
type Node = string

/** The node of a leaf (or an empty value). */
const EMPTY: Node = "{}"
const MEMBER_PREFIX = '{".":{},'

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true
  if (Array.isArray(v)) return v.length === 0
  if (typeof v !== "object") return false
  for (const _ in v) return false
  return true
}

/** A node's children as (path element, node) pairs, flat: pe at even indexes, node after it. */
type Kids = string[]

/** The node: children sorted by path element, after `"."` when the node is a member. */
function nodeOf(member: boolean, kids: Kids): Node | undefined {
  const n = kids.length
  if (n === 0) return member ? EMPTY : undefined
  // Insertion sort by path element: most nodes have a few children, often in order already.
  for (let i = 2; i < n; i += 2) {
    const pe = kids[i] as string
    const node = kids[i + 1] as Node
    let j = i - 2
    for (; j >= 0 && (kids[j] as string) > pe; j -= 2) {
      kids[j + 2] = kids[j] as string
      kids[j + 3] = kids[j + 1] as Node
    }
    kids[j + 2] = pe
    kids[j + 3] = node
  }
  let out = member ? MEMBER_PREFIX : "{"
  for (let i = 0; i < n; i += 2) {
    if (i > 0) out += ","
    out += `${JSON.stringify(kids[i])}:${kids[i + 1] as Node}`
  }
  return `${out}}`
}

/** The node of a value set where nothing was; undefined when it owns nothing. */
function added(v: unknown, shape: Shape, item: boolean): Node | undefined {
  const mode = modeOf(v, shape)
  if (mode.kind === "leaf" || isEmptyValue(v)) return EMPTY
  // Structs that appear are not members themselves (their fields are); items and map entries are.
  const member = item || shape.kind !== "struct"
  const kids: Kids = []
  if (mode.kind === "fields") {
    const o = v as Obj
    for (const k of Object.keys(o)) {
      const c = o[k]
      const node = c === undefined ? undefined : added(c, childOf(shape, k).shape, false)
      if (node) kids.push(fieldPE(k), node)
    }
  } else if (mode.kind === "set") {
    const seen = new Set<string>()
    for (const x of v as unknown[]) {
      const pe = valuePE(x)
      if (!seen.has(pe)) kids.push(pe, EMPTY)
      seen.add(pe)
    }
  } else {
    // Associative list: items by their keys (a repeated key keeps its first place, the last value).
    const items = v as unknown[]
    const byKey = new Map<string, unknown>()
    for (let i = 0; i < items.length; i++) byKey.set(itemPE(items[i], i, mode.keys), items[i])
    for (const [pe, x] of byKey) {
      const node = x === undefined ? undefined : added(x, mode.elem, true)
      if (node) kids.push(pe, node)
    }
  }
  return nodeOf(member, kids)
}

/** A stripped node: no longer a member itself; gone when nothing under it is owned. */
function stripped(node: Node | undefined): Node | undefined {
  if (node === undefined || node === EMPTY) return undefined
  // A member has children (a leaf is EMPTY): drop its "." and keep them.
  return node.startsWith(MEMBER_PREFIX) ? `{${node.slice(MEMBER_PREFIX.length)}` : node
}

/** FieldsV1 decoded lately, by their text. */
const decoded = new Map<string, FieldsV1>()
const DECODED_MAX = 1024
const DECODED_MAX_LENGTH = 64 * 1024

/** The FieldsV1 of a text: the one decoded before when there was one. */
function fieldsOf(text: string): FieldsV1 {
  if (text.length > DECODED_MAX_LENGTH) return JSON.parse(text) as FieldsV1
  let f = decoded.get(text)
  if (f === undefined) {
    f = JSON.parse(text) as FieldsV1
    if (decoded.size >= DECODED_MAX) decoded.clear()
    decoded.set(text, f)
  }
  return f
}

/**
 * The FieldsV1 an Update creating `obj` owns (of kind shape `shape`), or undefined when it owns
 * nothing. `hasStatus`: status is written through its subresource, so a create does not own it.
 */
export function createdFieldsV1(obj: Obj, shape: Shape, hasStatus: boolean): FieldsV1 | undefined {
  const text = rootNode(obj, shape, hasStatus)
  return text === undefined ? undefined : fieldsOf(text)
}

function rootNode(obj: Obj, shape: Shape, hasStatus: boolean): Node | undefined {
  const kids: Kids = []
  for (const k of Object.keys(obj)) {
    const v = obj[k]
    if (v === undefined || (k === "status" && hasStatus)) continue
    const childShape = childOf(shape, k).shape
    let node: Node | undefined
    if (k === "metadata" && isObj(v)) node = stripped(metadataFields(v, childShape))
    else {
      node = added(v, childShape, false)
      if (k === "apiVersion" || k === "kind") node = stripped(node)
    }
    if (node) kids.push(fieldPE(k), node)
  }
  return nodeOf(false, kids)
}

/** The metadata part: what `added` gives for it, the server's own fields stripped. */
function metadataFields(meta: Obj, shape: Shape): Node | undefined {
  const mode = modeOf(meta, shape)
  if (mode.kind !== "fields") return added(meta, shape, false)
  const kids: Kids = []
  let any = false
  for (const k of Object.keys(meta)) {
    const v = meta[k]
    if (v === undefined || k === "managedFields" || k === "resourceVersion") continue
    any = true
    let node = added(v, childOf(shape, k).shape, false)
    if (SERVER_METADATA.has(k)) node = stripped(node)
    if (node) kids.push(fieldPE(k), node)
  }
  // An empty metadata is one owned value, as any empty map (then stripped).
  if (!any) return EMPTY
  return nodeOf(shape.kind !== "struct", kids)
}

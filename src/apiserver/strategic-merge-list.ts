/**
 * Strategic merge of lists: merge-strategy lists merged by merge key (scalar lists as sets),
 * `$patch` elements (delete, replace), the scalar deletion lists, and upstream's element order
 * (the patch's items in the patch's order, interleaved with the server-only items in the live
 * order; `$setElementOrder` overrides the patch's order).
 */
import type { schema } from "../api/index.ts"
import { ApiError } from "../api/index.ts"
import { goType, goValue } from "./go-format.ts"
import { type Child, type Shape, UNKNOWN } from "./shapes.ts"
import {
  DIRECTIVE,
  type JsonMap,
  badArgType,
  badPatchType,
  internal,
  isMap,
  noMergeKey,
  stripDirectives,
} from "./strategic-merge-common.ts"

/** The list field being merged, and the map merge to use on matching elements. */
export interface ListContext {
  readonly child: Child
  readonly isDeleteList?: boolean
  readonly mergeMap: (original: JsonMap, patch: JsonMap, shape: Shape) => JsonMap
}

/** The patch strategy of a field without `retainKeys`: `merge`, `replace` or "". */
export function strategyOf(field: schema.FieldSchema | undefined): string {
  const parts = (field?.ps ?? "").split(",").filter((p) => p && p !== "retainKeys")
  if (parts.length > 1) throw internal(`unexpected patch strategy: [${parts.join(" ")}]`)
  return parts[0] ?? ""
}

function mergeKeyOf(ctx: ListContext): string {
  return ctx.child.field?.mk ?? ""
}

function elemShape(ctx: ListContext): Shape {
  return ctx.child.shape.kind === "list" ? ctx.child.shape.elem : UNKNOWN
}

/** "map" when the elements are objects, "scalar" otherwise; upstream's errors for mixed lists. */
function elementKind(lists: unknown[][]): "map" | "scalar" {
  let first: string | undefined
  for (const list of lists) {
    for (const v of list) {
      const t = goType(v)
      if (first === undefined) {
        first = t
        if (Array.isArray(v))
          throw new ApiError("Invalid", "the server rejected our request due to an error in our request", {})
      } else if (t !== first) {
        throw internal(`list element types are not identical: ${goValue(lists)}`)
      }
    }
  }
  if (first === undefined) throw internal("no elements in any of the given slices")
  return first === "map[string]interface {}" ? "map" : "scalar"
}

/** Merges a patch list into a live list of a merge-strategy field (or a deletion list). */
export function mergeList(original: unknown[], patch: unknown[], ctx: ListContext): unknown[] {
  if (original.length === 0 && patch.length === 0) return original
  const kind = elementKind([original, patch])
  const mk = mergeKeyOf(ctx)
  let merged: unknown[]
  if (kind === "scalar") {
    if (ctx.isDeleteList) return original.filter((v) => !patch.includes(v))
    merged = [...new Set([...original, ...patch])]
  } else {
    if (!mk) {
      const name = ctx.child.field?.t.split(".").pop() ?? ""
      throw internal(`cannot merge lists without merge key for ${name}`)
    }
    ;[original, patch] = specialElements(original, patch, mk)
    merged = mergeByKey(original, patch, mk, ctx)
  }
  const [inPatch, serverOnly] = partition(merged, patch, mk)
  return normalizeOrder(inPatch, serverOnly, { patchOrder: patch, serverOrder: original, mk, kind })
}

/** Applies `$patch: delete` and `$patch: replace` elements; returns the new live and patch lists. */
function specialElements(original: unknown[], patch: unknown[], mk: string): [unknown[], unknown[]] {
  const plain: unknown[] = []
  let replace = false
  for (const v of patch) {
    const item = v as JsonMap
    if (!(DIRECTIVE in item)) {
      plain.push(v)
      continue
    }
    const directive = item[DIRECTIVE]
    if (directive === "delete") {
      if (!(mk in item)) throw noMergeKey(item, mk)
      original = original.filter((o) => !(isMap(o) && o[mk] === item[mk]))
    } else if (directive === "replace") {
      replace = true
    } else if (directive === "merge") {
      throw internal("merging lists cannot yet be specified in the patch")
    } else {
      throw badPatchType(directive, item)
    }
  }
  if (replace) return [stripDirectives(plain) as unknown[], []]
  return [original, plain]
}

function mergeByKey(original: unknown[], patch: unknown[], mk: string, ctx: ListContext): unknown[] {
  const out = [...original]
  for (const v of patch) {
    const item = v as JsonMap
    if (!(mk in item)) throw noMergeKey(item, mk)
    let found = -1
    for (let i = 0; i < out.length && found < 0; i++) {
      const o = out[i]
      if (!isMap(o)) throw internal(`value for key ${i} is not a map`)
      if (mk in o && o[mk] === item[mk]) found = i
    }
    if (found >= 0) out[found] = ctx.mergeMap(out[found] as JsonMap, item, elemShape(ctx))
    else {
      const s = stripDirectives(item)
      if (s !== undefined) out.push(s)
    }
  }
  return out
}

function sameElement(a: unknown, b: unknown, mk: string): boolean {
  if (mk) return isMap(a) && isMap(b) && a[mk] === b[mk]
  if (isMap(a) || Array.isArray(a)) return JSON.stringify(a) === JSON.stringify(b)
  return a === b
}

/**
 * Where each item of `list` first stands, found by value: with a merge key, maps by their key's
 * value (what sameElement matches); without one, scalars (JSON has no NaN, so a Map finds
 * exactly what === finds). Other items (maps and lists without a merge key, compared by their
 * JSON) are not found here and are looked up one by one.
 */
export class Positions {
  readonly #list: unknown[]
  readonly #mk: string
  readonly #first = new Map<unknown, number>()

  constructor(list: unknown[], mk: string) {
    this.#list = list
    this.#mk = mk
    for (let i = 0; i < list.length; i++) {
      const x = list[i]
      if (mk ? !isMap(x) : typeof x === "object" && x !== null) continue
      const k = mk ? (x as JsonMap)[mk] : x
      if (!this.#first.has(k)) this.#first.set(k, i)
    }
  }

  /** indexIn(list, v, mk). */
  of(v: unknown): number {
    const mk = this.#mk
    if (mk) return isMap(v) ? (this.#first.get(v[mk]) ?? -1) : -1
    if (typeof v === "object" && v !== null) return indexIn(this.#list, v, mk)
    return this.#first.get(v) ?? -1
  }
}

/** Splits `list` into the items present in `by` and the others. */
function partition(list: unknown[], by: unknown[], mk: string): [unknown[], unknown[]] {
  const yes: unknown[] = []
  const no: unknown[] = []
  const inBy = new Positions(by, mk)
  for (const v of list) {
    if (mk && !(isMap(v) && mk in v)) throw noMergeKey(v, mk)
    ;(inBy.of(v) >= 0 ? yes : no).push(v)
  }
  return [yes, no]
}

interface Ordering {
  readonly patchOrder: unknown[]
  readonly serverOrder: unknown[]
  readonly mk: string
  readonly kind: "map" | "scalar"
}

/** The index of the first item of `list` that is `v` (by merge key, or by value without one), or -1. */
export function indexIn(list: unknown[], v: unknown, mk: string): number {
  return list.findIndex((x) => sameElement(x, v, mk))
}

/** Sorts `items` by their position in `order` (items it lacks keep their place); deletions last. */
function sortByOrder(items: unknown[], order: unknown[], o: Ordering): unknown[] {
  let deletions: unknown[] = []
  if (o.kind === "map") {
    for (const v of [...items, ...order]) if (!(isMap(v) && o.mk in v)) throw noMergeKey(v, o.mk)
    deletions = items.filter((v) => (v as JsonMap)[DIRECTIVE] === "delete")
    items = items.filter((v) => (v as JsonMap)[DIRECTIVE] !== "delete")
  }
  const inOrder = new Positions(order, o.mk)
  const sorted = orderedBy(
    items,
    items.map((v) => inOrder.of(v)),
  )
  return deletions.length ? [...sorted, ...deletions] : sorted
}

/**
 * `items` sorted by their positions `at` (-1: not placed), as Array.prototype.sort orders them by
 * comparing two placed items by position and any other pair by index. Items whose placed ones
 * already come in order are one ascending run for the sort, which keeps them as they are: they
 * are returned (copied) without sorting.
 */
export function orderedBy(items: readonly unknown[], at: readonly number[]): unknown[] {
  let last = -1
  let inOrder = true
  for (const p of at) {
    if (p < 0) continue
    if (p < last) {
      inOrder = false
      break
    }
    last = p
  }
  if (inOrder) return items.slice()
  return items
    .map((v, i) => ({ v, i, at: at[i] as number }))
    .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i))
    .map((x) => x.v)
}

/**
 * Upstream's order of a merged list: the patch's items in patch order, the server-only items in
 * live order, each server-only item placed before the first patch item it precedes live.
 */
function normalizeOrder(inPatch: unknown[], serverOnly: unknown[], o: Ordering): unknown[] {
  const right = sortByOrder(inPatch, o.patchOrder, o)
  const left = sortByOrder(serverOnly, o.serverOrder, o)
  const out: unknown[] = []
  const live = new Positions(o.serverOrder, o.mk)
  let i = 0
  let j = 0
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++])
    else if (i >= left.length) out.push(right[j++])
    else {
      const li = live.of(left[i])
      const ri = live.of(right[j])
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++])
      else out.push(right[j++])
    }
  }
  return out
}

/** Checks that the patch list's items appear in the `$setElementOrder` list in the same order. */
function checkOrderList(patch: unknown[], order: unknown[], mk: string): void {
  if (patch.length === 0 || order.length === 0) return
  if (mk) for (const v of patch) if (!isMap(v)) throw badArgType("map[string]interface {}", v)
  const items = mk ? patch.filter((v) => (v as JsonMap)[DIRECTIVE] !== "delete") : patch
  let p = 0
  let s = 0
  while (p < items.length && s < order.length) {
    const item = items[p]
    if (isMap(item) && DIRECTIVE in item) {
      p++
      continue
    }
    if (mk) {
      if (!isMap(order[s])) throw badArgType("map[string]interface {}", order[s])
      if (!(mk in (item as JsonMap))) throw noMergeKey(item, mk)
      if (!(mk in (order[s] as JsonMap))) throw noMergeKey(order[s], mk)
    }
    if (sameElement(item, order[s], mk)) p++
    s++
  }
  if (p < items.length) {
    throw internal(
      `The order in patch list:\n${goValue(patch)}\n doesn't match $setElementOrder list:\n${goValue(order)}\n`,
    )
  }
}

/**
 * A list merged with its `$setElementOrder` directive: the live list and the patch list (either
 * may be absent) merged by the field's strategy, then ordered as the directive lists them.
 * undefined when neither list exists.
 */
export function orderByElementOrder(
  cur: unknown[] | undefined,
  given: unknown[] | undefined,
  order: unknown[],
  ctx: ListContext,
): unknown[] | undefined {
  const mk = mergeKeyOf(ctx)
  checkOrderList(given ?? [], order, mk)
  let merged: unknown[]
  if (cur && given) merged = strategyOf(ctx.child.field) === "merge" ? mergeList(cur, given, ctx) : given
  else if (cur) merged = cur
  else if (given) merged = stripDirectives(given) as unknown[]
  else return undefined
  const [inOrder, serverOnly] = partition(merged, order, mk)
  const kind = elementKind([cur ?? [], given ?? []])
  return normalizeOrder(inOrder, serverOnly, { patchOrder: order, serverOrder: cur ?? [], mk, kind })
}

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), as upstream's apiserver
 * applies it: maps merge key by key and null deletes; a list whose field has the `merge` patch
 * strategy merges by its merge key (lists of scalars are sets), other lists are replaced; the
 * `$patch` (replace, merge, delete), `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>` directives. Positions the schema does not know merge as
 * maps and replace as lists.
 */
import { badRequest } from "../api/index.ts"
import { copyJson, ownValue, setKey } from "../util/index.ts"
import { goType } from "./go-format.ts"
import { type Shape, childOf } from "./shapes.ts"
import { mergeList, orderByElementOrder, strategyOf } from "./strategic-merge-list.ts"
import {
  DELETE_FROM_PRIMITIVE_LIST,
  DIRECTIVE,
  type JsonMap,
  RETAIN_KEYS,
  SET_ELEMENT_ORDER,
  badArgType,
  badPatchType,
  isMap,
  stripDirectives,
} from "./strategic-merge-common.ts"

/**
 * Applies a strategic merge patch to `original` (neither is changed), walking the schema from
 * `shape`, the shape of the whole object.
 * @throws ApiError BadRequest for a malformed patch or directive, Invalid for lists of lists,
 *   InternalError where upstream answers 500
 */
export function strategicMergePatch(original: unknown, patch: unknown, shape: Shape): JsonMap {
  if (!isMap(patch)) {
    throw badRequest(
      `json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`,
    )
  }
  // Copy on write: mergeMap copies the maps it changes, the rest stays shared with `original`.
  return mergeMap(isMap(original) ? original : {}, copyJson(patch), shape)
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array"
  if (v === null) return "null"
  return typeof v === "string" ? "string" : typeof v === "boolean" ? "bool" : "number"
}

/**
 * `original` with `patch` merged in: a copy of each map the patch changes, sharing the values it
 * leaves alone with `original` (never changed); `patch` is owned by the caller and changed.
 */
export function mergeMap(input: JsonMap, patch: JsonMap, shape: Shape): JsonMap {
  if (DIRECTIVE in patch) return mapDirective(patch[DIRECTIVE], patch)
  const original = { ...input }
  applyRetainKeys(original, patch)
  applyElementOrders(original, patch, shape)
  for (const [key, value] of Object.entries(patch)) {
    const isDeleteList = key.startsWith(DELETE_FROM_PRIMITIVE_LIST)
    const k = isDeleteList ? keyAfter(key, DELETE_FROM_PRIMITIVE_LIST) : key
    if (value === null) {
      delete original[k]
      continue
    }
    const cur = ownValue(original, k)
    if (cur === undefined || goType(cur) !== goType(value)) {
      if (!isDeleteList) setStripped(original, k, value)
      continue
    }
    const child = childOf(shape, k)
    if (isMap(value)) {
      setKey(
        original,
        k,
        child.field?.ps === "replace" ? value : mergeMap(cur as JsonMap, value, child.shape),
      )
    } else if (Array.isArray(value)) {
      setKey(
        original,
        k,
        strategyOf(child.field) === "merge" || isDeleteList
          ? mergeList(cur as unknown[], value, { child, isDeleteList, mergeMap })
          : value,
      )
    } else {
      setKey(original, k, value)
    }
  }
  return original
}

function mapDirective(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === "replace") {
    delete patch[DIRECTIVE]
    return stripDirectives(patch) as JsonMap
  }
  if (directive === "delete") return {}
  throw badPatchType(directive, patch)
}

/** The list key after `<prefix>/`, or upstream's BadRequest for a malformed directive key. */
function keyAfter(key: string, prefix: string): string {
  const slash = key.indexOf("/")
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badRequest(
      prefix === SET_ELEMENT_ORDER
        ? "invalid patch format of setElementOrder list"
        : "invalid patch format of primitive list",
    )
  }
  return key.slice(slash + 1)
}

/** Sets a patch value taken whole: its nulls and directives dropped. */
function setStripped(target: JsonMap, k: string, value: unknown): void {
  const v = stripDirectives(value)
  if (v === undefined) delete target[k]
  else setKey(target, k, v)
}

/** `$retainKeys`: clears the keys of `original` the list does not name. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!(RETAIN_KEYS in patch)) return
  const keys = patch[RETAIN_KEYS]
  delete patch[RETAIN_KEYS]
  if (!Array.isArray(keys)) throw badRequest("invalid patch format of retainKeys")
  const retained = new Set(keys)
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue
    if (!retained.has(k)) throw badRequest("invalid patch format of retainKeys")
  }
  for (const k of Object.keys(original)) if (!retained.has(k)) delete original[k]
}

/** Each `$setElementOrder/<list>`: merges that list now and orders it as the directive says. */
function applyElementOrders(original: JsonMap, patch: JsonMap, shape: Shape): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue
    const order = patch[key]
    delete patch[key]
    if (!Array.isArray(order)) throw badArgType("[]interface {}", order)
    const k = keyAfter(key, SET_ELEMENT_ORDER)
    const cur = original[k]
    const given = patch[k]
    if (cur !== undefined && !Array.isArray(cur)) throw badArgType("[]interface {}", cur)
    if (given !== undefined && given !== null && !Array.isArray(given))
      throw badArgType("[]interface {}", given)
    const ordered = orderByElementOrder(cur, given ?? undefined, order, {
      child: childOf(shape, k),
      mergeMap,
    })
    if (ordered === undefined) continue
    setKey(original, k, ordered)
    delete patch[k]
  }
}

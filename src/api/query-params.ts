/**
 * Query parameters as upstream's parameter codec decodes them into Go fields: booleans and
 * int64s (options such as ListOptions, DeleteOptions, PodLogOptions).
 */
import { goParseInt } from "../util/index.ts"
import { badRequest } from "./errors.ts"

/**
 * A boolean query parameter as upstream's parameter codec reads one: absent is false, and so
 * are "0" and any casing of "false"; every other value, "" and "xyz" included, is true.
 */
export function queryBool(query: URLSearchParams, name: string): boolean {
  const v = query.get(name)
  // Go compares with strings.EqualFold, under which the long s (U+017F) folds to "s".
  return v !== null && v !== "0" && v.replace(/\u017f/g, "s").toLowerCase() !== "false"
}

/**
 * An int64 query parameter (undefined when absent). @throws ApiError BadRequest with Go's
 * strconv error for a value it cannot parse.
 */
export function queryInt64(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name)
  if (raw === null) return undefined
  const p = goParseInt(raw)
  if (p.error !== undefined) throw badRequest(p.error)
  return Number(p.value)
}

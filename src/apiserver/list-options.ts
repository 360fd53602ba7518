/**
 * The options of a LIST or WATCH as upstream reads them from the query: decoded by its parameter
 * codec (a malformed number is a 400 in strconv's words, a boolean is true unless "false" or
 * "0"), defaulted for watch-list, then validated (422 on ListOptions.meta.k8s.io). The label
 * and field selectors are read by filter.ts.
 */
import { type FieldError, fieldErrors, invalid, queryBool, queryInt64 } from "../api/index.ts"
import { type Selectors, selectorsOf } from "./filter.ts"

const { forbidden, notSupported } = fieldErrors

/** What a list or watch asks for, as upstream's ListOptions. */
export interface ListOptions {
  readonly watch: boolean
  readonly allowWatchBookmarks: boolean
  /** As given: its meaning ("", "0" or a revision) is read by resource-version.ts. */
  readonly resourceVersion: string
  readonly resourceVersionMatch: string
  /** Seconds; undefined when not given. */
  readonly timeoutSeconds?: number
  /** 0 or less: no limit. */
  readonly limit: number
  readonly continue: string
  /** undefined when not given (a watch from "" or "0" defaults it to true). */
  readonly sendInitialEvents?: boolean
  /** labelSelector and fieldSelector, parsed. */
  readonly selectors: Selectors
}

/** An int64 parameter, or its strconv error as a 400; undefined when absent. */
/**
 * Decodes the list options of a query in the order of upstream's conversion (timeoutSeconds
 * before limit), applies the watch-list default and validates them.
 */
export function listOptions(query: URLSearchParams): ListOptions {
  const watch = queryBool(query, "watch")
  const resourceVersion = query.get("resourceVersion") ?? ""
  let resourceVersionMatch = query.get("resourceVersionMatch") ?? ""
  const timeoutSeconds = queryInt64(query, "timeoutSeconds")
  const limit = queryInt64(query, "limit") ?? 0
  let sendInitialEvents = query.has("sendInitialEvents") ? queryBool(query, "sendInitialEvents") : undefined
  // The selectors parse after the numbers and booleans and before any check of the options.
  const selectors = selectorsOf(query)
  // With the WatchList feature (on in 1.35), a watch from "" or "0" that chose nothing is a watch-list.
  if (
    watch &&
    sendInitialEvents === undefined &&
    resourceVersionMatch === "" &&
    (resourceVersion === "" || resourceVersion === "0")
  ) {
    sendInitialEvents = true
    resourceVersionMatch = "NotOlderThan"
  }
  const opts: ListOptions = {
    watch,
    allowWatchBookmarks: queryBool(query, "allowWatchBookmarks"),
    resourceVersion,
    resourceVersionMatch,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    limit,
    continue: query.get("continue") ?? "",
    ...(sendInitialEvents !== undefined ? { sendInitialEvents } : {}),
    selectors,
  }
  const errs = opts.watch ? watchErrors(opts) : listErrors(opts)
  if (errs.length > 0) throw invalid("ListOptions", "", errs, "meta.k8s.io")
  return opts
}

const MATCH = "resourceVersionMatch"

function listErrors(o: ListOptions): FieldError[] {
  const errs: FieldError[] = []
  const match = o.resourceVersionMatch
  if (match !== "") {
    if (o.resourceVersion === "")
      errs.push(forbidden(MATCH, "resourceVersionMatch is forbidden unless resourceVersion is provided"))
    if (o.continue !== "")
      errs.push(forbidden(MATCH, "resourceVersionMatch is forbidden when continue is provided"))
    if (match !== "Exact" && match !== "NotOlderThan")
      errs.push(notSupported(MATCH, match, ["Exact", "NotOlderThan", ""]))
    if (match === "Exact" && o.resourceVersion === "0")
      errs.push(forbidden(MATCH, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
  }
  if (o.sendInitialEvents !== undefined)
    errs.push(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
  return errs
}

function watchErrors(o: ListOptions): FieldError[] {
  const errs: FieldError[] = []
  const match = o.resourceVersionMatch
  if (o.sendInitialEvents !== undefined && match !== "NotOlderThan")
    errs.push(forbidden(MATCH, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
  if (match !== "") {
    if (o.sendInitialEvents === undefined)
      errs.push(
        forbidden(MATCH, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"),
      )
    if (match !== "NotOlderThan") errs.push(notSupported(MATCH, match, ["NotOlderThan"]))
    if (o.continue !== "")
      errs.push(forbidden(MATCH, "resourceVersionMatch is forbidden when continue is provided"))
  }
  return errs
}

/** The query and path parameters of the API's operations, as the OpenAPI documents list them. */
import type { JsonSchema } from "./schemas.ts"

function query(name: string, type: string, description: string): JsonSchema {
  return { description, in: "query", name, schema: { type, uniqueItems: true } }
}

function path(name: string, description: string): JsonSchema {
  return { description, in: "path", name, required: true, schema: { type: "string", uniqueItems: true } }
}

/** Parameters by name. */
export const PARAM = {
  name: path("name", "name of the object"),
  namespace: path("namespace", "namespace of the objects; a namespace scopes names and access"),
  pretty: query("pretty", "string", "If 'true', the output is indented."),
  dryRun: query(
    "dryRun",
    "string",
    "When present, the request is checked and processed but nothing is persisted. The only valid value is All.",
  ),
  fieldManager: query(
    "fieldManager",
    "string",
    "The name of the actor making the change, recorded in managedFields. Apply requests must set it.",
  ),
  fieldValidation: query(
    "fieldValidation",
    "string",
    "What the server does with unknown or duplicate fields in the body: Ignore drops them silently, Warn (the default) drops them and returns a Warning header for each, Strict fails the request with a BadRequest listing them.",
  ),
  force: query(
    "force",
    "boolean",
    "Apply requests only: take over fields other managers own instead of failing with a conflict.",
  ),
  gracePeriodSeconds: query(
    "gracePeriodSeconds",
    "integer",
    "Seconds to wait before the object is deleted; zero deletes at once. Unset uses the kind's default.",
  ),
  orphanDependents: query(
    "orphanDependents",
    "boolean",
    "Deprecated in favour of propagationPolicy: whether dependents are orphaned.",
  ),
  propagationPolicy: query(
    "propagationPolicy",
    "string",
    "How dependents are garbage collected: Orphan, Background or Foreground.",
  ),
  labelSelector: query("labelSelector", "string", "Only objects whose labels match this selector."),
  fieldSelector: query("fieldSelector", "string", "Only objects whose fields match this selector."),
  limit: query("limit", "integer", "The most objects to return; the list's continue token fetches the rest."),
  continue: query("continue", "string", "The continue token of a previous, limited list."),
  resourceVersion: query(
    "resourceVersion",
    "string",
    "Which resource version the request may be served from (unset: the most recent).",
  ),
  resourceVersionMatch: query(
    "resourceVersionMatch",
    "string",
    "How resourceVersion applies to a list: Exact or NotOlderThan.",
  ),
  timeoutSeconds: query("timeoutSeconds", "integer", "The longest a list or watch call may last."),
  watch: query("watch", "boolean", "Stream changes to the listed objects instead of listing them."),
  allowWatchBookmarks: query(
    "allowWatchBookmarks",
    "boolean",
    "Ask for BOOKMARK events on a watch; the server may send them at any time or not at all.",
  ),
  sendInitialEvents: query(
    "sendInitialEvents",
    "boolean",
    "Start a watch with an ADDED event per existing object, then a bookmark marking their end.",
  ),
} as const satisfies Record<string, JsonSchema>

/** Parameters of a list or watch. */
export const LIST_PARAMS: readonly JsonSchema[] = [
  PARAM.allowWatchBookmarks,
  PARAM.continue,
  PARAM.fieldSelector,
  PARAM.labelSelector,
  PARAM.limit,
  PARAM.resourceVersion,
  PARAM.resourceVersionMatch,
  PARAM.sendInitialEvents,
  PARAM.timeoutSeconds,
  PARAM.watch,
]

/** Parameters of create and update. */
export const WRITE_PARAMS: readonly JsonSchema[] = [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation]

/** Parameters of patch. */
export const PATCH_PARAMS: readonly JsonSchema[] = [...WRITE_PARAMS, PARAM.force]

/** Parameters of delete. */
export const DELETE_PARAMS: readonly JsonSchema[] = [
  PARAM.dryRun,
  PARAM.gracePeriodSeconds,
  PARAM.orphanDependents,
  PARAM.propagationPolicy,
]

/** Parameters of the pods/log subresource. */
export const LOG_PARAMS: readonly JsonSchema[] = [
  query("container", "string", "The container whose log to return (default: the only or the default one)."),
  query("follow", "boolean", "Keep the response open and stream new log lines."),
  query("limitBytes", "integer", "Stop after this many bytes."),
  query("previous", "boolean", "The log of the previous, terminated instance of the container."),
  query("sinceSeconds", "integer", "Only lines newer than this many seconds."),
  query("tailLines", "integer", "Only this many lines from the end."),
  query("timestamps", "boolean", "Prefix every line with its RFC3339 timestamp."),
]

/** Parameters of exec and attach. */
export const EXEC_PARAMS: readonly JsonSchema[] = [
  query("command", "string", "The command to run, one parameter per argument (exec only)."),
  query("container", "string", "The container to run in."),
  query("stderr", "boolean", "Stream the standard error."),
  query("stdin", "boolean", "Stream the standard input."),
  query("stdout", "boolean", "Stream the standard output."),
  query("tty", "boolean", "Allocate a terminal."),
]

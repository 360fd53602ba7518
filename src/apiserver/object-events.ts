/**
 * Watch events handed to in-process watchers as objects (ApiRequest.watchObjects): the watch
 * cache's object itself rather than its JSON, so a component in the API server's process does not
 * parse every event it watches, and the bytes of an event no network watcher reads are never made.
 * What makes that safe is that the object is what a watcher would have parsed: it is frozen
 * throughout before anyone gets it (the cache's objects are never changed once written, see
 * RegistryDeps.written), and under the test runner each is checked against its JSON.
 */
import { isDeepStrictEqual } from "node:util"
import type { ApiObject, WatchEvent } from "../api/index.ts"
import { deepFreeze } from "../util/index.ts"
import { objectJson } from "./output.ts"

/**
 * Whether each object handed over is compared with what its JSON parses to (an object holding
 * `undefined`, a Date or a shared part would differ from what a network watcher gets): under the
 * test runner, which sets NODE_TEST_CONTEXT.
 */
const CHECK_JSON = process.env.NODE_TEST_CONTEXT !== undefined

/** The event `type` of `object`, frozen with it, for in-process watchers. */
export function objectEvent(type: WatchEvent["type"], object: ApiObject): WatchEvent {
  if (CHECK_JSON) checkJson(object)
  return Object.freeze({ type, object: deepFreeze(object) })
}

/**
 * @throws Error when `object` is not what its JSON parses to
 */
function checkJson(object: ApiObject): void {
  const json = objectJson(object)
  const parsed: unknown = JSON.parse(typeof json === "string" ? json : json.toString("utf8"))
  if (!isDeepStrictEqual(parsed, object)) {
    throw new Error(
      `a watch event's ${object.kind ?? "object"} "${object.metadata?.name ?? ""}" is not what its JSON parses to`,
    )
  }
}

/**
 * The deprecated watch paths upstream still serves (and its OpenAPI, ours too, lists):
 * `/api/v1/watch/namespaces/{ns}/pods[/{name}]`, `/apis/{group}/{version}/watch/{resource}[/{name}]`.
 * Each is a watch of the collection (`watch` forced on); a named one watches that object alone
 * through a metadata.name field selector, as upstream's list handler turns the name into one.
 * Upstream registers them per resource, as its API installer does: a collection's for resources
 * that list and watch, a named one's for those that watch, none for subresources, and across
 * namespaces only the collection's (`watch/{resource}`). Any other /watch/ path is a 404.
 */
import { badRequest, type ResourceInfo } from "../api/index.ts"
import { type ApiRequest, withBody } from "./http.ts"
import { parseFieldSelector } from "./selectors.ts"

/** `/api/{v}` or `/apis/{g}/{v}`, then `watch`, then the collection (and name) it watches. */
const LEGACY = /^(\/api\/([^/]+)|\/apis\/([^/]+)\/([^/]+))\/watch\/(.+?)\/*$/

/** The served resource of a group, version and plural, if any. */
export type FindResource = (group: string, version: string, resource: string) => ResourceInfo | undefined

/**
 * Whether upstream registers a watch route for `info` at this path shape: in a namespace or not
 * (`namespaced`), of the collection or of one object (`named`).
 */
function hasWatchRoute(info: ResourceInfo | undefined, namespaced: boolean, named: boolean): boolean {
  if (!info || !info.verbs.includes("watch")) return false
  if (named) return info.namespaced === namespaced // watch/{resource}/{name} is cluster-scoped only
  return info.verbs.includes("list") && (info.namespaced || !namespaced)
}

/** The request a legacy watch path stands for, or `req` itself for every other request. */
export function fromLegacyWatch(req: ApiRequest, find: FindResource): ApiRequest {
  if (req.method !== "GET") return req
  const m = LEGACY.exec(req.path)
  if (!m) return req
  const [group, version] = m[2] ? ["", m[2]] : [m[3] as string, m[4] as string]
  const segs = (m[5] as string).split("/")
  // namespaces/{ns}/{resource}[/{name}], or {resource}[/{name}] (a namespace by name included).
  const namespaced = segs[0] === "namespaces" && segs.length >= 3
  const collectionLength = namespaced ? 3 : 1
  // No watch of subresources (a namespace's status or finalize included): the path stays a 404.
  if (segs.length > collectionLength + 1) return req
  const named = segs.length > collectionLength
  const info = find(group, version, segs[collectionLength - 1] as string)
  if (!hasWatchRoute(info, namespaced, named)) return req
  const name = named ? decodeURIComponent(segs[collectionLength] as string) : ""
  const query = new URLSearchParams(req.query)
  query.set("watch", "true")
  if (name) {
    const given = parseFieldSelector(query.get("fieldSelector") ?? "")
    if (given.length === 0) query.set("fieldSelector", `metadata.name=${name.replace(/[\\,=]/g, "\\$&")}`)
    else if (!given.some((t) => t.field === "metadata.name" && t.op === "=" && t.value === name)) {
      throw badRequest("fieldSelector metadata.name doesn't match requested name")
    }
  }
  const path = `${m[1]}/${segs.slice(0, collectionLength).join("/")}`
  // The same request (its body, user and notes read through) at the collection's path.
  return Object.defineProperties(
    withBody(req, () => req.body()),
    { path: { value: path }, query: { get: () => query } },
  )
}

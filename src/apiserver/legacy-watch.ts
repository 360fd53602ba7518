/**
 * The deprecated watch paths upstream still serves (and its OpenAPI, ours too, lists):
 * `/api/v1/watch/namespaces/{ns}/pods[/{name}]`, `/apis/{group}/{version}/watch/{resource}[/{name}]`.
 * Each is a watch of the collection (`watch` forced on); a named one watches that object alone
 * through a metadata.name field selector, as upstream's list handler turns the name into one.
 */
import { badRequest } from "../api/index.ts"
import { type ApiRequest, withBody } from "./http.ts"
import { parseFieldSelector } from "./selectors.ts"

/** `/api/{v}` or `/apis/{g}/{v}`, then `watch`, then the collection (and name) it watches. */
const LEGACY = /^(\/api\/[^/]+|\/apis\/[^/]+\/[^/]+)\/watch\/(.+?)\/*$/

/** The request a legacy watch path stands for, or `req` itself for every other request. */
export function fromLegacyWatch(req: ApiRequest): ApiRequest {
  if (req.method !== "GET") return req
  const m = LEGACY.exec(req.path)
  if (!m) return req
  const segs = (m[2] as string).split("/")
  // namespaces/{ns}/{resource}[/{name}], or {resource}[/{name}] (a namespace by name included).
  const collectionLength = segs[0] === "namespaces" && segs.length >= 3 ? 3 : 1
  if (segs.length > collectionLength + 1) return req // no watch of subresources: stays a 404
  const name = segs.length > collectionLength ? decodeURIComponent(segs[collectionLength] as string) : ""
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

/** Parses an API path into what it names (upstream's RequestInfo). */
import { queryBool } from "../api/index.ts"

/** What a request addresses. Non-resource paths (`/version`, `/healthz`) have `isResource` false. */
export interface RequestInfo {
  readonly isResource: boolean
  readonly path: string
  /** "api" or "apis" for resource requests. */
  readonly prefix?: "api" | "apis"
  readonly group: string
  readonly version: string
  readonly namespace: string
  /**
   * The namespace came from a `namespaces/{ns}/` prefix (not from the name of a namespace
   * itself): a cluster-scoped resource under such a prefix is not served.
   */
  readonly namespacePrefixed: boolean
  readonly resource: string
  readonly name: string
  readonly subresource: string
  /** Path segments after the subresource (proxy paths). */
  readonly rest: string
  /** get, list, watch, create, update, patch, delete, deletecollection, or the HTTP method lower-cased. */
  readonly verb: string
}

/** The RequestInfo of a path that names no resource. */
function none(method: string, path: string): RequestInfo {
  return {
    isResource: false,
    path,
    group: "",
    version: "",
    namespace: "",
    namespacePrefixed: false,
    resource: "",
    name: "",
    subresource: "",
    rest: "",
    verb: method.toLowerCase(),
  }
}

/** Parses `method` + `path` (+ query for `watch`). */
export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const segs = path.split("/").filter((s) => s !== "")
  let i: number
  let group = ""
  let prefix: "api" | "apis"
  if (segs[0] === "api") {
    prefix = "api"
    i = 1
  } else if (segs[0] === "apis") {
    prefix = "apis"
    group = segs[1] ?? ""
    i = 2
  } else return none(method, path)
  const version = segs[i] ?? ""
  i++
  if (segs.length <= i) return { ...none(method, path), isResource: true, prefix, group, version }
  let namespace = ""
  let namespacePrefixed = false
  // /namespaces/{ns}/{resource}... (but /namespaces/{name}/status|finalize is the namespace itself)
  if (
    segs[i] === "namespaces" &&
    segs.length > i + 2 &&
    segs[i + 2] !== "status" &&
    segs[i + 2] !== "finalize"
  ) {
    namespace = decodeURIComponent(segs[i + 1] ?? "")
    namespacePrefixed = true
    i += 2
  }
  const resource = segs[i] ?? ""
  const name = segs[i + 1] !== undefined ? decodeURIComponent(segs[i + 1] as string) : ""
  const subresource = segs[i + 2] ?? ""
  const rest = segs.slice(i + 3).join("/")
  if (resource === "namespaces" && name && !namespace) namespace = name
  const verb = verbOf(method, name, query)
  return {
    isResource: true,
    path,
    prefix,
    group,
    version,
    namespace,
    namespacePrefixed,
    resource,
    name,
    subresource,
    rest,
    verb,
  }
}

function verbOf(method: string, name: string, query: URLSearchParams): string {
  switch (method.toUpperCase()) {
    case "GET":
    case "HEAD":
      // As upstream, only a collection's GET becomes a watch: a named GET stays a get.
      if (name) return "get"
      return queryBool(query, "watch") ? "watch" : "list"
    case "POST":
      return "create"
    case "PUT":
      return "update"
    case "PATCH":
      return "patch"
    case "DELETE":
      return name ? "delete" : "deletecollection"
    default:
      return method.toLowerCase()
  }
}

/**
 * Serving /openapi/v3 (the index), /openapi/v3/<group version> and /openapi/v2 with upstream's
 * caching: every response carries an ETag and honours If-None-Match; a v3 document asked for by
 * its current hash is immutable, a stale hash is redirected to the current one.
 */
import { ApiError, type ResourceInfo } from "../../api/index.ts"
import type { ApiRequest, ApiResponse } from "../http.ts"
import { parseMediaTypes } from "../negotiate.ts"
import { type CustomSchemas, type GeneratedDocument, OpenApiDocuments } from "./documents.ts"

const documents = new WeakMap<readonly ResourceInfo[], OpenApiDocuments>()

/** The documents of `resources`, shared by every server serving the same list. */
export function openApiDocuments(
  resources: readonly ResourceInfo[],
  custom?: CustomSchemas,
): OpenApiDocuments {
  let d = documents.get(resources)
  if (!d) {
    d = new OpenApiDocuments(resources, custom)
    documents.set(resources, d)
  }
  return d
}

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000

/** Whether the Accept header allows a JSON answer (OpenAPI protobuf is not served). */
function acceptsJson(accept: string | undefined): boolean {
  const ranges = parseMediaTypes(accept)
  if (ranges.length === 0) return true
  return ranges.some((r) => ["application/json", "application/*", "*/*"].includes(r.type))
}

function notAcceptable(): ApiError {
  return new ApiError("NotAcceptable", "only the following media types are accepted: application/json")
}

function serveDocument(
  req: ApiRequest,
  doc: GeneratedDocument,
  headers: Record<string, string>,
): ApiResponse {
  const etag = `"${doc.hash}"`
  const all = { etag, "last-modified": doc.generated.toUTCString(), ...headers }
  if (req.header("if-none-match") === etag) return { status: 304, headers: all }
  return {
    status: 200,
    headers: { "content-type": "application/json", ...all },
    body: req.method === "HEAD" ? "" : doc.body,
  }
}

/** Handles a GET under /openapi, or returns undefined for other paths. */
export function serveOpenApi(
  req: ApiRequest,
  path: string,
  resources: readonly ResourceInfo[],
  custom?: CustomSchemas,
): ApiResponse | undefined {
  if (!path.startsWith("/openapi/")) return undefined
  const docs = openApiDocuments(resources, custom)
  const noCache = { "cache-control": "no-cache, private" }
  if (path === "/openapi/v2") {
    if (!acceptsJson(req.header("accept"))) throw notAcceptable()
    return serveDocument(req, docs.v2(), { ...noCache, vary: "Accept" })
  }
  if (path === "/openapi/v3") return serveDocument(req, docs.index(), noCache)
  if (!path.startsWith("/openapi/v3/")) return undefined
  const gv = path.slice("/openapi/v3/".length)
  const doc = docs.v3(gv)
  if (!doc) throw new ApiError("NotFound", "the server could not find the requested resource")
  if (!acceptsJson(req.header("accept"))) throw notAcceptable()
  const hash = req.query.get("hash")
  if (!hash) return serveDocument(req, doc, { ...noCache, vary: "Accept" })
  if (hash !== doc.hash) {
    const location = `/openapi/v3/${gv}?hash=${doc.hash}`
    return { status: 301, headers: { location, "content-type": "text/html; charset=utf-8" }, body: "" }
  }
  return serveDocument(req, doc, {
    "cache-control": "public, immutable",
    expires: new Date(Date.now() + ONE_YEAR_MS).toUTCString(),
    vary: "Accept",
  })
}

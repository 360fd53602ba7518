/**
 * Serving /openapi/v3 (the index), /openapi/v3/<group version> and /openapi/v2 (JSON, or protobuf
 * when asked for) with upstream's caching: every response carries an ETag and honours
 * If-None-Match; a v3 document asked for by its current hash is immutable, a stale hash is
 * redirected to the current one.
 */
import { ApiError, type ResourceInfo } from "../../api/index.ts"
import type { ApiRequest, ApiResponse } from "../http.ts"
import { type MediaRange, parseMediaTypes } from "../negotiate.ts"
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

/** What upstream answers /openapi/v2 in protobuf with, whichever of the two names was asked for. */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
/** The older name of the same media type, the one kubectl v1.35 still sends. */
const OPENAPI_V2_PROTOBUF_AT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
const JSON_RANGES = ["application/json", "application/*", "*/*"]

/** The Accept header's ranges, most preferred first: by q, then the more specific (q=0 dropped). */
function byPreference(accept: string | undefined): MediaRange[] {
  const q = (r: MediaRange) => {
    const v = Number(r.params.q ?? "1")
    return Number.isFinite(v) ? v : 1
  }
  const wildcards = (r: MediaRange) => (r.type === "*/*" ? 2 : r.type.endsWith("/*") ? 1 : 0)
  return parseMediaTypes(accept || "*/*")
    .filter((r) => q(r) > 0)
    .sort((a, b) => q(b) - q(a) || wildcards(a) - wildcards(b))
}

/** Whether the Accept header allows a JSON answer (v3 is not served in protobuf). */
function acceptsJson(accept: string | undefined): boolean {
  return byPreference(accept).some((r) => JSON_RANGES.includes(r.type))
}

/** The form of /openapi/v2 the first acceptable range asks for, as upstream picks it. */
function v2Form(accept: string | undefined): "json" | "protobuf" | undefined {
  for (const r of byPreference(accept)) {
    if (JSON_RANGES.includes(r.type)) return "json"
    if (r.type === OPENAPI_V2_PROTOBUF || r.type === OPENAPI_V2_PROTOBUF_AT) return "protobuf"
  }
  return undefined
}

function notAcceptable(types: string): ApiError {
  return new ApiError("NotAcceptable", `only the following media types are accepted: ${types}`)
}

/** Whether an If-None-Match header (a list, `*`, weak or strong tags) names `etag`. */
function matchesETag(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header.split(",").some((t) => {
    const tag = t.trim()
    return tag === "*" || tag.replace(/^W\//, "") === etag
  })
}

function serveDocument(
  req: ApiRequest,
  doc: GeneratedDocument,
  headers: Record<string, string>,
  contentType = "application/json",
): ApiResponse {
  const etag = `"${doc.hash}"`
  const all = { etag, "last-modified": doc.generated.toUTCString(), ...headers }
  if (matchesETag(req.header("if-none-match"), etag)) return { status: 304, headers: all }
  return {
    status: 200,
    headers: { "content-type": contentType, ...all },
    body: req.method === "HEAD" ? "" : doc.body,
  }
}

/** /openapi/v2 as JSON or, when asked for first, as gnostic's protobuf message. */
function serveV2(req: ApiRequest, docs: OpenApiDocuments): ApiResponse {
  const form = v2Form(req.header("accept"))
  if (!form) throw notAcceptable(`application/json, ${OPENAPI_V2_PROTOBUF}`)
  const headers = { "cache-control": "no-cache, private", vary: "Accept" }
  if (form === "json") return serveDocument(req, docs.v2(), headers)
  return serveDocument(req, docs.v2Protobuf(), headers, OPENAPI_V2_PROTOBUF)
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
  if (path === "/openapi/v2") return serveV2(req, docs)
  if (path === "/openapi/v3") return serveDocument(req, docs.index(), noCache)
  if (!path.startsWith("/openapi/v3/")) return undefined
  const gv = path.slice("/openapi/v3/".length)
  const doc = docs.v3(gv)
  if (!doc) throw new ApiError("NotFound", "the server could not find the requested resource")
  if (!acceptsJson(req.header("accept"))) throw notAcceptable("application/json")
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

/** Content negotiation: what the client sent (JSON, YAML) and what it accepts back (JSON, Table...). */
import { firstYamlDocument, GO_YAML, goYamlError } from "../util/index.ts"
import { ApiError, badRequest } from "../api/index.ts"
import { decodeProtobuf } from "./protobuf.ts"

/** One entry of an Accept header. */
export interface MediaRange {
  readonly type: string
  readonly params: Readonly<Record<string, string>>
}

/** Headers parsed lately: clients send the same few Accept and Content-Type values over and over. */
const parsedHeaders = new Map<string, readonly MediaRange[]>()
const PARSED_HEADERS_MAX = 256

/** Parses an Accept (or Content-Type) header into media ranges, in the order given. */
export function parseMediaTypes(header: string | undefined): readonly MediaRange[] {
  if (!header) return []
  let ranges = parsedHeaders.get(header)
  if (ranges === undefined) {
    ranges = Object.freeze(parseRanges(header))
    if (parsedHeaders.size >= PARSED_HEADERS_MAX) parsedHeaders.clear()
    parsedHeaders.set(header, ranges)
  }
  return ranges
}

function parseRanges(header: string): MediaRange[] {
  return header.split(",").flatMap((part) => {
    const [type, ...params] = part.split(";").map((s) => s.trim())
    if (!type) return []
    const p: Record<string, string> = {}
    for (const kv of params) {
      const eq = kv.indexOf("=")
      if (eq > 0)
        p[kv.slice(0, eq).trim().toLowerCase()] = kv
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, "")
    }
    return [{ type: type.toLowerCase(), params: Object.freeze(p) }]
  })
}

/** The representation a response should use. */
export type Output =
  | { readonly kind: "json" }
  | { readonly kind: "yaml" }
  | { readonly kind: "table"; readonly version: string }
  | { readonly kind: "partial"; readonly version: string }
  | { readonly kind: "discovery"; readonly version: string }

const JSONISH = new Set(["application/json", "application/*", "*/*", "application/vnd.kubernetes.protobuf"])

const JSON_OUTPUT: Output = Object.freeze({ kind: "json" })

/** chooseOutput's answers by parsed header, then by what is allowed (null: nothing fits). */
const chosen = new WeakMap<readonly MediaRange[], Map<number, Output | null>>()

/**
 * Picks the first acceptable representation. Protobuf is accepted but answered with JSON (clients
 * decode by the response Content-Type). Returns undefined when nothing fits (406). The answer is
 * shared by requests with the same header: never to be changed.
 */
export function chooseOutput(
  accept: string | undefined,
  allow: { table?: boolean; discovery?: boolean } = {},
): Output | undefined {
  const ranges = parseMediaTypes(accept)
  if (ranges.length === 0) return JSON_OUTPUT
  const key = (allow.table ? 1 : 0) | (allow.discovery ? 2 : 0)
  let byAllow = chosen.get(ranges)
  if (!byAllow) chosen.set(ranges, (byAllow = new Map()))
  let out = byAllow.get(key)
  if (out === undefined) {
    out = pickOutput(ranges, allow)
    if (out) Object.freeze(out)
    byAllow.set(key, out)
  }
  return out ?? undefined
}

function pickOutput(
  ranges: readonly MediaRange[],
  allow: { table?: boolean; discovery?: boolean },
): Output | null {
  for (const r of ranges) {
    const as = r.params.as
    if (r.type === "application/json" && as) {
      if (as === "Table" && allow.table && r.params.g === "meta.k8s.io")
        return { kind: "table", version: r.params.v ?? "v1" }
      if (
        (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") &&
        r.params.g === "meta.k8s.io"
      )
        return { kind: "partial", version: r.params.v ?? "v1" }
      if (as === "APIGroupDiscoveryList" && allow.discovery && r.params.g === "apidiscovery.k8s.io")
        return { kind: "discovery", version: r.params.v ?? "v2" }
      continue
    }
    if (r.type === "application/yaml") return { kind: "yaml" }
    if (JSONISH.has(r.type)) return { kind: "json" }
  }
  return null
}

/** The Content-Type of a JSON response. */
export const JSON_TYPE = "application/json"

/**
 * Decodes a request body by its Content-Type: JSON (the default), YAML or protobuf. `text` is
 * the body as UTF-8 when the caller has it already.
 * @throws ApiError BadRequest for malformed bodies, UnsupportedMediaType for other types (as
 *   upstream: only these three, parameters aside; `*\/*`, text/plain and other `+json` types too)
 */
export function decodeBody(contentType: string | undefined, body: Buffer, text?: string): unknown {
  const type = parseMediaTypes(contentType)[0]?.type ?? "application/json"
  if (type === "application/vnd.kubernetes.protobuf") return decodeProtobuf(body)
  text ??= body.toString("utf8")
  if (type === "application/yaml" || type === "application/apply-patch+yaml") {
    const doc = firstYamlDocument(text, GO_YAML)
    try {
      if (doc.errors[0]) throw doc.errors[0]
      return doc.toJS(GO_YAML)
    } catch (err) {
      throw badRequest(`error converting YAML to JSON: ${goYamlError(err)}`)
    }
  }
  if (type !== "application/json") {
    throw new ApiError(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    )
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`)
  }
}

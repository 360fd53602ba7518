/**
 * The body of a JSON, merge or strategic merge patch, refused as upstream's decoders refuse it:
 * syntax errors and nesting past 10000 in Go's words, with upstream's prefix per patch type.
 */
import { type ApiError, badRequest } from "../api/index.ts"
import { DEEP_ENOUGH, goJsonSyntaxError } from "./go-json-syntax.ts"

function refused(contentType: string, err: string): ApiError {
  return badRequest(
    contentType === "application/strategic-merge-patch+json" ? err : `error decoding patch: ${err}`,
  )
}

/**
 * Parses a patch body of `contentType`.
 * @throws ApiError BadRequest `error decoding patch: <Go's error>` (a strategic merge patch: the
 *   bare error), for malformed JSON and for nesting JSON.parse reads but Go's decoder does not
 */
export function decodePatchBody(contentType: string, raw: Buffer): unknown {
  const text = raw.toString("utf8")
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw refused(contentType, goJsonSyntaxError(text) ?? "unexpected end of JSON input")
  }
  if (text.length > DEEP_ENOUGH) {
    const err = goJsonSyntaxError(text)
    if (err !== undefined) throw refused(contentType, err)
  }
  return value
}

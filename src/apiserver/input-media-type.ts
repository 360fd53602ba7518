/**
 * The request body media types upstream decodes (its input serializer negotiation): a body of
 * another Content-Type is refused with 415 before it is read.
 */
import { ApiError } from "../api/index.ts"
import { parseMediaTypes } from "./negotiate.ts"

/** What built-in kinds accept, in upstream's order. */
export const INPUT_MEDIA_TYPES = [
  "application/json",
  "application/yaml",
  "application/vnd.kubernetes.protobuf",
]
/** What custom resources accept (no protobuf). */
const CUSTOM_INPUT_MEDIA_TYPES = ["application/json", "application/yaml"]

/** Upstream's 415 naming what is accepted. */
export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  )
}

/**
 * Checks a create or update body's Content-Type (parameters ignored; none means JSON).
 * @throws ApiError UnsupportedMediaType for any other type
 */
export function checkInputMediaType(contentType: string | undefined, custom: boolean): void {
  const type = parseMediaTypes(contentType)[0]?.type
  if (type === undefined) return
  const accepted = custom ? CUSTOM_INPUT_MEDIA_TYPES : INPUT_MEDIA_TYPES
  if (!accepted.includes(type)) throw unsupportedMediaType(accepted)
}
